# bundle: build, test and benchmark.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/caracal-tools/bundle/bundle.Version=$(VERSION)
TESTBIN ?= $(shell $(GO) env GOCACHE)/../bundle-testbin/k8s-v1.36.3-kwok-v0.8.0

.PHONY: build run test testdeps testbin bench lint fmt clean image

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/bundle ./cmd/bundle

# image builds the container image of deploy/Dockerfile around a static binary.
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o deploy/bundle ./cmd/bundle
	docker build -t caracal-bundle:$(VERSION) deploy

# run collects a bundle with whatever is configured (nothing is fine).
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/bundle collect $(ARGS)

# testdeps installs the Debian packages of the test bed when missing (as root).
testdeps:
	bash internal/testbed/install-deps.sh

# testbin builds kube-apiserver, etcd and kwok for the Kubernetes tests, once per machine.
testbin:
	BUNDLE_TESTBIN=$(TESTBIN) bash internal/testbed/build-kube.sh

test: testdeps testbin
	BUNDLE_TESTBIN=$(TESTBIN) $(GO) test -count=1 -timeout 45m ./...

bench:
	BUNDLE_TESTBIN=$(TESTBIN) $(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin deploy/bundle
