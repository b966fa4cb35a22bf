# A stand-in for the compose file's `redis:7` where no registry serves it: Debian's Redis 7
# on the same base as foilcache's image, run the way the official image runs it (as user
# redis, in /data, the compose file's `command:` as its arguments). Used by
# deploy/compose-test.sh only; build from the repository root:
#   podman build --format docker -f deploy/compose/redis-stand-in.Dockerfile -t redis-stand-in .
FROM debian:bookworm-slim
COPY deploy/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --redis \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /tmp/install-deps.sh \
 && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
