// The single translation unit that compiles Boost.Asio and Boost.Beast
// (BOOST_*_SEPARATE_COMPILATION keeps them out of every other one).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
