# syntax=docker/dockerfile:1
# converge as a static binary on a distroless base: no shell, no package manager, runs as
# an unprivileged user with a read-only root filesystem (see overlays/converge).
#
#   docker build -t registry.example.com/platform/converge:0.1.0 .
#
# The build stage links everything statically against musl: libgit2 and libssh2 from the
# crates' bundled sources, OpenSSL and zlib from Alpine's static archives.

FROM rust:1.95-alpine AS build
RUN apk add --no-cache build-base musl-dev perl pkgconf \
        openssl-dev openssl-libs-static zlib-dev zlib-static
ENV OPENSSL_STATIC=1 \
    PKG_CONFIG_ALL_STATIC=1 \
    RUSTFLAGS="-C target-feature=+crt-static"
WORKDIR /src
COPY . .
# The registry and target caches survive between builds; the binary is copied out of them.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin converge \
    && cp target/release/converge /converge \
    && strip /converge \
    # A static executable names no program interpreter: refuse to ship anything else.
    && ! readelf -l /converge | grep -q 'program interpreter' \
    && /converge --version

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /converge /usr/local/bin/converge
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/converge"]
CMD ["run"]
