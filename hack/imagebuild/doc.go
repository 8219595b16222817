// Command imagebuild builds the project's container images without a
// container engine, and pushes them.
//
// It owns what goes into an image: which binaries (the operator, cmd, as
// /manager; the exchange simulator, cmd/exchange-sim, as /exchange-sim), how
// they are compiled (static, -trimpath, version and revision stamped), the
// image config (numeric non-root user 65532:65532, entrypoint, OCI labels) and
// the files written under the output directory. There is no base image: the
// binaries carry their own CA roots and time-zone data.
//
//	imagebuild build [-out dist] [-version V] [-revision R] [-created UNIX] [-source URL]
//	                 [-platforms linux/amd64,linux/arm64] [-images NAME,...]
//	imagebuild push [-insecure] -image REGISTRY/REPO:TAG DIR
//
// build writes, for each image NAME (tradebot-operator, tradebot-exchange-sim):
//
//	OUT/NAME/oci/               an OCI image layout whose index.json points at
//	                            the multi-platform image index
//	OUT/NAME/OS-ARCH.tar        one docker-archive per platform, tagged NAME:VERSION
//
// Every timestamp is -created (make image passes the commit time) and every
// tar header is fixed, so building the same commit twice gives the same
// digests. push uploads the image index found in an OCI layout (e.g.
// OUT/tradebot-operator/oci) to a registry with the credentials of the
// default keychain (docker's config.json and credential helpers).
//
// make image and make image-push run it.
package main
