# infernet-tgi: the Swift text-generation-inference client service.
# Build from the repository root:
#   docker build -f deploy/docker/tgi.Dockerfile -t infernet-swift/tgi .
# Run (the node can also run it as an `image` container; see deploy/config.tgi.json for the
# `command` form):
#   docker run --rm -p 3000:3000 ... infernet-swift/tgi
# Configure with -e TGI_URL=http://tgi:80 (checked at start-up), TGI_PARAMS, TGI_TIMEOUT and an
# optional -e TGI_BEARER (from the host's environment).
# The toolchain this repository is built and tested with (Swift 6.3); override with
# --build-arg SWIFT_IMAGE=... .
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsecp256k1-dev libzmq3-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib --product infernet-tgi \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/infernet-tgi" /out/infernet-tgi

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsecp256k1-1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/infernet-tgi /usr/local/bin/infernet-tgi
ENV HOST=0.0.0.0 PORT=3000
USER nobody
EXPOSE 3000
CMD ["infernet-tgi"]
