package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const usage = `usage:
  imagebuild build [flags]              build the images into -out
  imagebuild push [flags] -image REF DIR  push the image index in the OCI layout DIR to REF
Run "imagebuild build -h" or "imagebuild push -h" for the flags.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "build":
		return runBuild(ctx, args[1:], stdout, stderr)
	case "push":
		return runPush(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("imagebuild build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "dist", "output directory; each image replaces OUT/NAME")
	version := fs.String("version", "dev", "image tag, org.opencontainers.image.version and the binaries' --version")
	revision := fs.String("revision", "unknown", "org.opencontainers.image.revision and the binaries' --version")
	source := fs.String("source", "https://github.com/tradebot-operator/tradebot-operator", "org.opencontainers.image.source")
	created := fs.Int64("created", sourceDateEpoch(), "creation time of the images and of their files, Unix seconds (default $SOURCE_DATE_EPOCH, else 0)")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "comma-separated OS/ARCH list")
	images := fs.String("images", "", "comma-separated image names to build (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	dir, err := moduleDir(ctx)
	if err != nil {
		return err
	}
	o := buildOptions{
		moduleDir: dir,
		version:   *version,
		revision:  *revision,
		source:    *source,
		created:   time.Unix(*created, 0).UTC(),
		log:       stderr,
	}
	if o.platforms, err = parsePlatforms(*platforms); err != nil {
		return err
	}
	if o.specs, err = selectSpecs(*images); err != nil {
		return err
	}
	built, err := build(ctx, o)
	if err != nil {
		return err
	}
	for _, b := range built {
		w, err := write(*out, b, o.platforms, o.version)
		if err != nil {
			return fmt.Errorf("writing %s: %w", b.spec.name, err)
		}
		digest, err := b.index.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s:%s@%s\n  %s\n", b.spec.name, o.version, digest, w.layout)
		for _, a := range w.archives {
			fmt.Fprintf(stdout, "  %s\n", a)
		}
	}
	return nil
}

func runPush(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("imagebuild push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	image := fs.String("image", "", "where to push, REGISTRY/REPOSITORY:TAG")
	insecure := fs.Bool("insecure", false, "allow plain HTTP to the registry (loopback and private addresses get it anyway)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *image == "" || fs.NArg() != 1 {
		return errors.New("usage: imagebuild push [-insecure] -image REGISTRY/REPOSITORY:TAG LAYOUT_DIR")
	}
	var nameOpts []name.Option
	if *insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(*image, nameOpts...)
	if err != nil {
		return err
	}
	digest, err := push(ctx, fs.Arg(0), ref, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pushed %s@%s\n", ref, digest)
	return nil
}

// sourceDateEpoch is the reproducible-builds convention's creation time, or 0.
func sourceDateEpoch() int64 {
	n, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// moduleDir is the root of the module that the current directory is in.
func moduleDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

func parsePlatforms(s string) ([]v1.Platform, error) {
	var ps []v1.Platform
	for _, f := range strings.Split(s, ",") {
		p, err := v1.ParsePlatform(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		if p.OS == "" || p.Architecture == "" {
			return nil, fmt.Errorf("platform %q: want OS/ARCH", f)
		}
		if slices.ContainsFunc(ps, p.Equals) {
			return nil, fmt.Errorf("platform %q given twice", f)
		}
		ps = append(ps, *p)
	}
	return ps, nil
}

func selectSpecs(names string) ([]imageSpec, error) {
	all := imageSpecs()
	if names == "" {
		return all, nil
	}
	var picked []imageSpec
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(all, func(s imageSpec) bool { return s.name == strings.TrimSpace(n) })
		if i < 0 {
			return nil, fmt.Errorf("no image %q", n)
		}
		picked = append(picked, all[i])
	}
	return picked, nil
}
