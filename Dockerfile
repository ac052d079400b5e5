# Multi-stage build of the `fenqi` launcher. The same image runs `migrate`, `serve` and
# `work` (see docker-compose.yml).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin fenqi

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /nonexistent fenqi
COPY --from=build /src/target/release/fenqi /usr/local/bin/fenqi
USER fenqi
ENV FENQI_BIND=0.0.0.0:8080 \
    FENQI_WORKER_BIND=0.0.0.0:8081 \
    FENQI_LOG_FORMAT=json
EXPOSE 8080 8081
ENTRYPOINT ["fenqi"]
CMD ["serve"]
