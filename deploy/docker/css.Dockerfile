# infernet-css: the Swift closed-source-model service (OpenAI, Perplexity, GooseAI).
# Build from the repository root:
#   docker build -f deploy/docker/css.Dockerfile -t infernet-swift/css .
# Run (the node can also run it as an `image` container; see deploy/config.css.json for the
# `command` form):
#   docker run --rm -p 3000:3000 ... infernet-swift/css
# Keys: -e OPENAI_API_KEY -e PERPLEXITYAI_API_KEY -e GOOSEAI_API_KEY (from the host's environment,
# never baked in); base URLs: OPENAI_BASE_URL, PERPLEXITYAI_BASE_URL, GOOSEAI_BASE_URL.
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
RUN swift build -c release --static-swift-stdlib --product infernet-css \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/infernet-css" /out/infernet-css

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsecp256k1-1 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/infernet-css /usr/local/bin/infernet-css
ENV HOST=0.0.0.0 PORT=3000
USER nobody
EXPOSE 3000
CMD ["infernet-css"]
