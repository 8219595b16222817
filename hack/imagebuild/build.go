package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// runAs is the image's user: numeric, so that the kubelet can enforce
// runAsNonRoot without an /etc/passwd in the image.
const runAs = "65532:65532"

// imageSpec is one image: a Go main package and how it runs.
type imageSpec struct {
	name        string   // image name, the docker-archive tag's repository and the output directory
	pkg         string   // main package, relative to the module root
	path        string   // the binary's path in the image, also the entrypoint
	args        []string // default arguments (the config's Cmd)
	ports       []string // exposed ports, documentation only
	description string
}

// imageSpecs lists the images the project ships.
func imageSpecs() []imageSpec {
	return []imageSpec{
		{
			name: "tradebot-operator",
			pkg:  "./cmd",
			// The chart's and config/manager's command.
			path:        "/manager",
			ports:       []string{"8080/tcp", "8081/tcp"},
			description: "Kubernetes operator that runs crypto trading bots as custom resources",
		},
		{
			name: "tradebot-exchange-sim",
			pkg:  "./cmd/exchange-sim",
			path: "/exchange-sim",
			// Its own default is loopback, which nothing outside the
			// container can reach.
			args:        []string{"--listen=:18090"},
			ports:       []string{"18090/tcp"},
			description: "Binance-Spot-compatible exchange simulator for tradebot-operator",
		},
	}
}

// buildOptions are what one build is a function of, besides the source.
type buildOptions struct {
	moduleDir string // where go build runs
	version   string // image tag, label and the binaries' main.version
	revision  string // label and the binaries' main.revision
	source    string // org.opencontainers.image.source
	created   time.Time
	platforms []v1.Platform
	specs     []imageSpec
	log       io.Writer // progress, one line per binary
}

func (o buildOptions) validate() error {
	for what, v := range map[string]string{"version": o.version, "revision": o.revision, "source": o.source} {
		// They end up in -ldflags, split on white space.
		if v == "" || strings.ContainsAny(v, " \t\n'\"") {
			return fmt.Errorf("%s %q: must be non-empty, without spaces or quotes", what, v)
		}
	}
	if len(o.platforms) == 0 || len(o.specs) == 0 {
		return fmt.Errorf("nothing to build: %d platforms, %d images", len(o.platforms), len(o.specs))
	}
	return nil
}

// builtImage is one image's index and its per-platform images, in the
// order of buildOptions.platforms.
type builtImage struct {
	spec   imageSpec
	index  v1.ImageIndex
	images []v1.Image
}

// build compiles every binary and assembles the images.
func build(ctx context.Context, o buildOptions) ([]builtImage, error) {
	bins, err := compileAll(ctx, o)
	if err != nil {
		return nil, err
	}
	return assembleAll(o, bins)
}

// compileAll returns the binaries, indexed by spec then platform.
func compileAll(ctx context.Context, o buildOptions) ([][][]byte, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "imagebuild-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bins := make([][][]byte, len(o.specs))
	for i, s := range o.specs {
		for _, p := range o.platforms {
			out := filepath.Join(tmp, fmt.Sprintf("%s-%s-%s", s.name, p.OS, p.Architecture))
			start := time.Now()
			if err := compile(ctx, o, s, p, out); err != nil {
				return nil, err
			}
			b, err := os.ReadFile(out)
			if err != nil {
				return nil, err
			}
			if o.log != nil {
				fmt.Fprintf(o.log, "compiled %s for %s/%s (%d MiB) in %s\n", s.pkg, p.OS, p.Architecture, len(b)>>20, time.Since(start).Round(100*time.Millisecond))
			}
			bins[i] = append(bins[i], b)
		}
	}
	return bins, nil
}

// compile builds one static binary. Everything that changes the output is
// set here rather than taken from the caller's environment, so that the
// same commit gives the same bytes on any machine.
func compile(ctx context.Context, o buildOptions, s imageSpec, p v1.Platform, out string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.revision=%s", o.version, o.revision)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, s.pkg)
	cmd.Dir = o.moduleDir
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture,
		// The baseline instruction sets, so the image runs on any CPU of
		// its architecture whatever the builder's machine prefers.
		"GOAMD64=v1", "GOARM64=v8.0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s/%s: %w\n%s", s.pkg, p.OS, p.Architecture, err, msg)
	}
	return nil
}

// assembleAll makes each spec's per-platform images and its index.
func assembleAll(o buildOptions, bins [][][]byte) ([]builtImage, error) {
	var built []builtImage
	for i, s := range o.specs {
		b := builtImage{spec: s}
		labels := imageLabels(o, s)
		adds := make([]mutate.IndexAddendum, 0, len(o.platforms))
		for j, p := range o.platforms {
			img, err := image(o, s, p, bins[i][j], labels)
			if err != nil {
				return nil, fmt.Errorf("%s for %s/%s: %w", s.name, p.OS, p.Architecture, err)
			}
			b.images = append(b.images, img)
			adds = append(adds, mutate.IndexAddendum{Add: plainImage{img}, Descriptor: v1.Descriptor{Platform: &p}})
		}
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
		b.index = mutate.Annotations(idx, labels).(v1.ImageIndex)
		built = append(built, b)
	}
	return built, nil
}

// plainImage keeps go-containerregistry from giving the image's index entry
// an artifactType (it copies the config's media type there), which marks
// artifacts, not runnable images, and which docker's and buildx's indexes
// do not carry.
type plainImage struct{ v1.Image }

func (plainImage) ArtifactType() (string, error) { return "", nil }

// imageLabels are the OCI labels of the images' configs and the index's
// annotations.
func imageLabels(o buildOptions, s imageSpec) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       s.name,
		"org.opencontainers.image.description": s.description,
		"org.opencontainers.image.source":      o.source,
		"org.opencontainers.image.version":     o.version,
		"org.opencontainers.image.revision":    o.revision,
		"org.opencontainers.image.created":     o.created.UTC().Format(time.RFC3339),
	}
}

// image is one platform's image: an empty base plus one layer.
func image(o buildOptions, s imageSpec, p v1.Platform, bin []byte, labels map[string]string) (v1.Image, error) {
	layer, err := binaryLayer(s.path, bin, o.created)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   v1.Time{Time: o.created},
			CreatedBy: "hack/imagebuild: go build " + s.pkg,
		},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: o.created}
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Config.User = runAs
	cf.Config.Entrypoint = []string{s.path}
	cf.Config.Cmd = s.args
	cf.Config.Labels = labels
	if len(s.ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, port := range s.ports {
			cf.Config.ExposedPorts[port] = struct{}{}
		}
	}
	return mutate.ConfigFile(img, cf)
}

// binaryLayer is a layer holding the binary at path and an empty /tmp.
// Every header field is fixed (times are created, owners root), so the
// same binary always gives the same digest. The binary is root's, so the
// process (65532) cannot replace it.
func binaryLayer(path string, bin []byte, created time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []struct {
		hdr  tar.Header
		body []byte
	}{
		// os.TempDir is /tmp: it exists for whatever writes temporary
		// files, and an emptyDir mounted on it is writable under a
		// read-only root filesystem.
		{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777}},
		{hdr: tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(path, "/"), Mode: 0o755, Size: int64(len(bin))}, body: bin},
	}
	for _, e := range entries {
		h := e.hdr
		h.ModTime = created
		h.Format = tar.FormatUSTAR
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
