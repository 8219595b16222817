package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

// The real build (two binaries for two platforms) takes seconds with a warm
// build cache and many minutes with a cold one on two cores, so the
// package's tests share one, made on first use. This is test state only;
// the builder itself keeps none.
var shared lazyBuild

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "imagebuild-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is one build of every image, written under out.
type fixture struct {
	opts  buildOptions
	bins  [][][]byte
	built []builtImage
	out   string
	took  time.Duration
}

type lazyBuild struct {
	dir  string
	once sync.Once
	f    *fixture
	err  error
}

func (l *lazyBuild) get(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("cross-compiles the operator and the simulator; skipped with -short")
	}
	l.once.Do(func() {
		start := time.Now()
		l.f, l.err = newFixture(l.dir)
		if l.f != nil {
			l.f.took = time.Since(start)
		}
	})
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.f
}

// testOptions are the options every build in these tests uses; nothing in
// them is a default, so a test cannot pass by accident on defaults.
func testOptions(ctx context.Context) (buildOptions, error) {
	dir, err := moduleDir(ctx)
	if err != nil {
		return buildOptions{}, err
	}
	return buildOptions{
		moduleDir: dir,
		version:   "1.2.3-test",
		revision:  "0123456789abcdef0123456789abcdef01234567",
		source:    "https://example.test/tradebot",
		created:   time.Unix(1_700_000_000, 0).UTC(),
		platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
		specs:     imageSpecs(),
	}, nil
}

func newFixture(dir string) (*fixture, error) {
	ctx := context.Background()
	o, err := testOptions(ctx)
	if err != nil {
		return nil, err
	}
	bins, err := compileAll(ctx, o)
	if err != nil {
		return nil, err
	}
	built, err := assembleAll(o, bins)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "dist")
	for _, b := range built {
		if _, err := write(out, b, o.platforms, o.version); err != nil {
			return nil, err
		}
	}
	return &fixture{opts: o, bins: bins, built: built, out: out}, nil
}

// elfMachine is the ELF machine a platform's binary must have.
func elfMachine(t *testing.T, arch string) elf.Machine {
	t.Helper()
	switch arch {
	case "amd64":
		return elf.EM_X86_64
	case "arm64":
		return elf.EM_AARCH64
	}
	t.Fatalf("no ELF machine known for %q", arch)
	return 0
}

// checkOCI checks that the manifest, config and layers are OCI's. (A
// docker-archive read back has docker's: its reader makes up the manifest.)
func checkOCI(t *testing.T, img v1.Image) {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types: manifest %q, config %q; want OCI", m.MediaType, m.Config.MediaType)
	}
	for _, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer media type %q, want %q", l.MediaType, types.OCILayer)
		}
	}
}

// checkImage checks the config and the files of one platform's image and
// returns its binary.
func checkImage(t *testing.T, f *fixture, s imageSpec, p v1.Platform, img v1.Image) []byte {
	t.Helper()
	bin := layerFiles(t, f, checkConfig(t, f, s, p, img), s.path)
	checkELF(t, bin, p.Architecture)
	checkBuild(t, bin, p.Architecture)
	return bin
}

// checkConfig checks one platform's image config and returns its layer.
// Where the layer's digest equals one that checkImage has read, it holds
// the same files: reading it again under -race only costs time.
func checkConfig(t *testing.T, f *fixture, s imageSpec, p v1.Platform, img v1.Image) v1.Layer {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != p.OS || cf.Architecture != p.Architecture {
		t.Errorf("config platform %s/%s, want %s/%s", cf.OS, cf.Architecture, p.OS, p.Architecture)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cf.Config.User)
	}
	if !slices.Equal(cf.Config.Entrypoint, []string{s.path}) || !slices.Equal(cf.Config.Cmd, s.args) {
		t.Errorf("entrypoint %q cmd %q, want %q %q", cf.Config.Entrypoint, cf.Config.Cmd, s.path, s.args)
	}
	if !cf.Created.Time.Equal(f.opts.created) {
		t.Errorf("created %s, want %s", cf.Created.Time, f.opts.created)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   f.opts.source,
		"org.opencontainers.image.version":  f.opts.version,
		"org.opencontainers.image.revision": f.opts.revision,
		"org.opencontainers.image.created":  "2023-11-14T22:13:20Z",
		"org.opencontainers.image.title":    s.name,
	} {
		if got := cf.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	return layers[0]
}

// sameLayer fails unless l is the layer of the built image.
func sameLayer(t *testing.T, l v1.Layer, built v1.Image) {
	t.Helper()
	want, err := built.Layers()
	if err != nil {
		t.Fatal(err)
	}
	gotD, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	wantD, err := want[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	if gotD != wantD {
		t.Errorf("layer %s, the built image's is %s", gotD, wantD)
	}
}

// checkBuild checks how the binary was built, from what the toolchain
// recorded in it, and that it carries what an empty base lacks.
func checkBuild(t *testing.T, bin []byte, arch string) {
	t.Helper()
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("no build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux", "GOARCH": arch} {
		if settings[k] != want {
			t.Errorf("built with %s=%q, want %q", k, settings[k], want)
		}
	}
	if !slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "golang.org/x/crypto/x509roots/fallback" }) {
		t.Error("the binary lacks the fallback CA roots")
	}
	// A zone name appears only where time/tzdata's archive is linked in.
	if !bytes.Contains(bin, []byte("Europe/Amsterdam")) {
		t.Error("the binary lacks the time-zone database")
	}
}

// layerFiles checks the layer's entries and headers and returns the binary.
func layerFiles(t *testing.T, f *fixture, l v1.Layer, path string) []byte {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	var bin []byte
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(f.opts.created) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %s uid %d gid %d %q/%q; want the fixed time and root", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if h.Name == strings.TrimPrefix(path, "/") {
			if h.Mode != 0o755 || h.Typeflag != tar.TypeReg {
				t.Errorf("%s: mode %o type %c, want a 0755 file", h.Name, h.Mode, h.Typeflag)
			}
			if bin, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := []string{"tmp/", strings.TrimPrefix(path, "/")}; !slices.Equal(names, want) {
		t.Fatalf("layer holds %q, want %q", names, want)
	}
	return bin
}

// checkELF checks that bin is a static executable for arch.
func checkELF(t *testing.T, bin []byte, arch string) {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("not an ELF file: %v", err)
	}
	defer ef.Close()
	if want := elfMachine(t, arch); ef.Machine != want {
		t.Errorf("ELF machine %s, want %s for %s", ef.Machine, want, arch)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("dynamically linked (program header %s); want a static binary", p.Type)
		}
	}
}

// TestLayoutReadBack reads each image back from its OCI layout, checks
// every platform's image down to the binary's ELF header, and runs the
// binary of this machine's platform with --version.
func TestLayoutReadBack(t *testing.T) {
	f := shared.get(t)
	ran := 0
	t.Logf("shared build of %d images x %d platforms took %s", len(f.built), len(f.opts.platforms), f.took.Round(time.Second))
	for _, b := range f.built {
		t.Run(b.spec.name, func(t *testing.T) {
			dir := layoutDir(f.out, b.spec.name)
			root, err := layout.ImageIndexFromPath(dir)
			if err != nil {
				t.Fatal(err)
			}
			rm, err := root.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(rm.Manifests) != 1 || rm.Manifests[0].Annotations[annotationRefName] != f.opts.version ||
				rm.Manifests[0].Annotations[annotationContainerdName] != "docker.io/library/"+b.spec.name+":"+f.opts.version {
				t.Fatalf("index.json entries: %+v", rm.Manifests)
			}
			idx, err := indexFromLayout(dir)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := idx.Digest()
			want, _ := b.index.Digest()
			if got != want {
				t.Fatalf("layout's index %s, built %s", got, want)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if im.MediaType != types.OCIImageIndex || im.Annotations["org.opencontainers.image.revision"] != f.opts.revision {
				t.Errorf("index media type %q, annotations %v", im.MediaType, im.Annotations)
			}
			if len(im.Manifests) != len(f.opts.platforms) {
				t.Fatalf("%d manifests, want %d", len(im.Manifests), len(f.opts.platforms))
			}
			for i, p := range f.opts.platforms {
				d := im.Manifests[i]
				if d.Platform == nil || d.Platform.OS != p.OS || d.Platform.Architecture != p.Architecture {
					t.Fatalf("manifest %d platform %+v, want %s/%s", i, d.Platform, p.OS, p.Architecture)
				}
				if d.MediaType != types.OCIManifestSchema1 || d.ArtifactType != "" {
					t.Errorf("manifest %d: media type %q, artifactType %q; want a plain OCI image", i, d.MediaType, d.ArtifactType)
				}
				img, err := idx.Image(d.Digest)
				if err != nil {
					t.Fatal(err)
				}
				checkOCI(t, img)
				bin := checkImage(t, f, b.spec, p, img)
				if p.OS == runtime.GOOS && p.Architecture == runtime.GOARCH {
					runVersion(t, f, bin)
					ran++
				}
			}
		})
	}
	if ran == 0 {
		t.Logf("no image for %s/%s: no binary was run", runtime.GOOS, runtime.GOARCH)
	}
}

// runVersion runs the binary taken from an image with --version.
func runVersion(t *testing.T, f *fixture, bin []byte) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, exe, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	want := fmt.Sprintf(" version %s revision %s ", f.opts.version, f.opts.revision)
	host := " " + runtime.GOOS + "/" + runtime.GOARCH
	if !strings.Contains(string(out), want) || !strings.HasSuffix(strings.TrimSpace(string(out)), host) {
		t.Fatalf("--version printed %q, want it to contain %q and end in %q", out, want, host)
	}
}

func TestDockerArchives(t *testing.T) {
	f := shared.get(t)
	for _, b := range f.built {
		for i, p := range f.opts.platforms {
			t.Run(b.spec.name+"/"+p.Architecture, func(t *testing.T) {
				path := archivePath(f.out, b.spec.name, p)
				opener := func() (io.ReadCloser, error) { return os.Open(path) }
				m, err := tarball.LoadManifest(opener)
				if err != nil {
					t.Fatal(err)
				}
				wantTag, err := name.NewTag(b.spec.name + ":" + f.opts.version)
				if err != nil {
					t.Fatal(err)
				}
				if len(m) != 1 || len(m[0].RepoTags) != 1 {
					t.Fatalf("manifest.json %+v: want one image with one tag", m)
				}
				if tag, err := name.NewTag(m[0].RepoTags[0]); err != nil || tag.Name() != wantTag.Name() {
					t.Fatalf("archive tagged %q, want %s", m[0].RepoTags[0], wantTag)
				}
				img, err := tarball.Image(opener, nil)
				if err != nil {
					t.Fatal(err)
				}
				// The same config and layer as the index's image.
				sameLayer(t, checkConfig(t, f, b.spec, p, img), b.images[i])
				gotCfg, _ := img.ConfigName()
				wantCfg, _ := b.images[i].ConfigName()
				if gotCfg != wantCfg {
					t.Errorf("config %s, index's image has %s", gotCfg, wantCfg)
				}
			})
		}
	}
}

// TestPushPull pushes each layout with the command line, as make
// image-push does, to an in-process registry and pulls it back.
func TestPushPull(t *testing.T) {
	f := shared.get(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, b := range f.built {
		t.Run(b.spec.name, func(t *testing.T) {
			ref := fmt.Sprintf("%s/tradebot/%s:%s", host, b.spec.name, f.opts.version)
			var stdout, stderr bytes.Buffer
			if err := run(t.Context(), []string{"push", "-image", ref, layoutDir(f.out, b.spec.name)}, &stdout, &stderr); err != nil {
				t.Fatalf("push: %v\n%s", err, stderr.String())
			}
			want, _ := b.index.Digest()
			if !strings.Contains(stdout.String(), want.String()) {
				t.Errorf("push printed %q, want the digest %s", stdout.String(), want)
			}
			r, err := name.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := remote.Index(r, remote.WithContext(t.Context()))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := idx.Digest(); got != want {
				t.Fatalf("pulled index %s, pushed %s", got, want)
			}
			for i, p := range f.opts.platforms {
				img, err := remote.Image(r, remote.WithContext(t.Context()), remote.WithPlatform(p))
				if err != nil {
					t.Fatal(err)
				}
				checkOCI(t, img)
				sameLayer(t, checkConfig(t, f, b.spec, p, img), b.images[i])
			}
		})
	}
}

// TestReproducible builds everything again, from scratch, and wants the
// same digests and the same files; a different creation time must change
// them, or the comparison proves nothing.
func TestReproducible(t *testing.T) {
	f := shared.get(t)
	ctx := t.Context()
	o, err := testOptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := build(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dist")
	for i, b := range again {
		first, _ := f.built[i].index.Digest()
		second, _ := b.index.Digest()
		if first != second {
			t.Errorf("%s: first build %s, second %s", b.spec.name, first, second)
		}
		if _, err := write(out, b, o.platforms, o.version); err != nil {
			t.Fatal(err)
		}
		for _, p := range o.platforms {
			sameFile(t, archivePath(f.out, b.spec.name, p), archivePath(out, b.spec.name, p))
		}
		sameFile(t, filepath.Join(layoutDir(f.out, b.spec.name), "index.json"), filepath.Join(layoutDir(out, b.spec.name), "index.json"))
	}

	// The simulator's image, the last and smallest, is enough for that
	// (compressing a layer again is slow under -race).
	smallest := len(f.built) - 1
	later := f.opts
	later.created = later.created.Add(time.Second)
	later.specs = f.opts.specs[smallest:]
	moved, err := assembleAll(later, f.bins[smallest:])
	if err != nil {
		t.Fatal(err)
	}
	first, _ := f.built[smallest].index.Digest()
	if second, _ := moved[0].index.Digest(); first == second {
		t.Errorf("%s: a different creation time gave the same digest %s", moved[0].spec.name, first)
	}
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", filepath.Base(a), b)
	}
}

// The tests below need no build.

func TestBinaryLayerIsDeterministic(t *testing.T) {
	created := time.Unix(1_600_000_000, 0).UTC()
	digest := func(bin string, at time.Time) v1.Hash {
		l, err := binaryLayer("/app", []byte(bin), at)
		if err != nil {
			t.Fatal(err)
		}
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if digest("x", created) != digest("x", created) { //nolint:staticcheck // two builds of one input must agree
		t.Fatal("same input, different layer digests")
	}
	if digest("x", created) == digest("y", created) || digest("x", created) == digest("x", created.Add(time.Second)) {
		t.Fatal("the layer digest ignores the binary or the time")
	}
}

func TestOptionErrors(t *testing.T) {
	if _, err := parsePlatforms("linux/amd64,linux"); err == nil {
		t.Error("platform without an architecture accepted")
	}
	if _, err := parsePlatforms("linux/amd64,linux/amd64"); err == nil {
		t.Error("a platform given twice accepted")
	}
	if got := archivePath("d", "x", v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}); got != filepath.Join("d", "x", "linux-arm-v7.tar") {
		t.Errorf("archive path %q", got)
	}
	if ps, err := parsePlatforms("linux/amd64, linux/arm64"); err != nil || len(ps) != 2 || ps[1].Architecture != "arm64" {
		t.Errorf("parsePlatforms = %+v, %v", ps, err)
	}
	if _, err := selectSpecs("tradebot-operator,nope"); err == nil {
		t.Error("unknown image accepted")
	}
	if s, err := selectSpecs("tradebot-exchange-sim"); err != nil || len(s) != 1 || s[0].path != "/exchange-sim" {
		t.Errorf("selectSpecs = %+v, %v", s, err)
	}
	o := buildOptions{version: "1.0 beta", revision: "r", source: "s", platforms: make([]v1.Platform, 1), specs: imageSpecs()}
	if err := o.validate(); err == nil {
		t.Error("a version with a space accepted")
	}
	for _, args := range [][]string{nil, {"nope"}, {"push", "dir"}, {"build", "extra"}} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestChartDefaults ties the chart's default image to what build makes: the
// operator image's name as the repository and its entrypoint as the command
// (the tag is the appVersion, which make image passes as -version).
func TestChartDefaults(t *testing.T) {
	dir, err := moduleDir(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "charts", "tradebot-operator", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values struct {
		Image struct {
			Repository string   `json:"repository"`
			Command    []string `json:"command"`
		} `json:"image"`
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	op := imageSpecs()[0]
	if values.Image.Repository != op.name || !slices.Equal(values.Image.Command, []string{op.path}) {
		t.Errorf("chart image %q command %q; the image is %q with entrypoint %q", values.Image.Repository, values.Image.Command, op.name, op.path)
	}
}
