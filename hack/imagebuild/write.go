package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The annotations on the layout's index.json entry: the OCI one names the
// tag, containerd's (read by ctr import and so kind) names the image.
const (
	annotationRefName        = "org.opencontainers.image.ref.name"
	annotationContainerdName = "io.containerd.image.name"
)

// written is where one image's files went.
type written struct {
	layout   string   // OCI layout directory
	archives []string // docker-archives, one per platform
}

// layoutDir and archivePath are where write puts an image's files under out.
func layoutDir(out, image string) string { return filepath.Join(out, image, "oci") }

func archivePath(out, image string, p v1.Platform) string {
	base := p.OS + "-" + p.Architecture
	if p.Variant != "" {
		base += "-" + p.Variant
	}
	return filepath.Join(out, image, base+".tar")
}

// write replaces out/NAME with the image's OCI layout and docker-archives,
// each tagged NAME:tag.
func write(out string, b builtImage, platforms []v1.Platform, tag string) (written, error) {
	ref, err := name.NewTag(b.spec.name + ":" + tag)
	if err != nil {
		return written{}, fmt.Errorf("image tag: %w", err)
	}
	// Whatever an earlier build left (blobs of other digests) goes.
	if err := os.RemoveAll(filepath.Join(out, b.spec.name)); err != nil {
		return written{}, err
	}
	w := written{layout: layoutDir(out, b.spec.name)}
	p, err := layout.Write(w.layout, empty.Index)
	if err != nil {
		return written{}, err
	}
	if err := p.AppendIndex(b.index, layout.WithAnnotations(map[string]string{
		annotationRefName: tag,
		// The fully qualified name that containerd gives NAME:TAG.
		annotationContainerdName: "docker.io/library/" + b.spec.name + ":" + tag,
	})); err != nil {
		return written{}, err
	}
	for i, pl := range platforms {
		path := archivePath(out, b.spec.name, pl)
		if err := tarball.WriteToFile(path, ref, b.images[i]); err != nil {
			return written{}, err
		}
		w.archives = append(w.archives, path)
	}
	return w, nil
}
