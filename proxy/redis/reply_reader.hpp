// How foilcache sets up hiredis' reply reader, the parser of every byte Redis sends: its
// buffer kept between replies, and the size an array announces bounded before hiredis
// allocates for it. HiredisLink::open applies it to each connection; the fuzz target to
// the reader it feeds.
#pragma once

struct redisReader;

namespace foilcache::redis {

// hiredis 0.14 allocates a pointer per announced element before any arrives, so
// "*2000000000\r\n" alone costs 16 GB. Far above any reply foilcache asks for (a SCAN step
// of 1000 keys, an MGET of an entry's tags, a pub/sub message's 3 items).
inline constexpr int kMaxReplyElements = 1 << 20;

// A larger array fails the reader as hiredis fails it when out of memory ("Out of memory":
// the connection drops and reconnects, every pending command completes without a reply).
// Precondition: `reader` uses hiredis' default reply functions (redisReaderCreate, or a
// context's own reader); call on the reader's thread before it reads anything.
void configure_reader(redisReader* reader);

}  // namespace foilcache::redis
