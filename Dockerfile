# One image for every role: api, worker, migrate (and dev for a quick look).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/postrelease ./cmd/postrelease

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/postrelease /usr/local/bin/postrelease
ENTRYPOINT ["/usr/local/bin/postrelease"]
CMD ["api"]
