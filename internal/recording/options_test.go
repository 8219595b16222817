package recording

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func TestWriterOptionsFromSpec(t *testing.T) {
	off := false
	tests := []struct {
		name    string
		spec    *v1alpha1.RecordingSpec
		want    WriterOptions
		enabled bool
	}{
		{"nil spec", nil, WriterOptions{Database: "tradebot", BatchSize: 1000, FlushInterval: 2 * time.Second}, true},
		{"empty spec", &v1alpha1.RecordingSpec{}, WriterOptions{Database: "tradebot", BatchSize: 1000, FlushInterval: 2 * time.Second}, true},
		{"everything set", &v1alpha1.RecordingSpec{Enabled: &off, Database: "d", RetentionPolicy: "rp", BatchSize: 50,
			FlushInterval: &metav1.Duration{Duration: 300 * time.Millisecond}},
			WriterOptions{Database: "d", RetentionPolicy: "rp", BatchSize: 50, FlushInterval: 300 * time.Millisecond}, false},
	}
	for _, tt := range tests {
		got, enabled := WriterOptionsFromSpec(tt.spec)
		if got != tt.want || enabled != tt.enabled {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tt.name, got, enabled, tt.want, tt.enabled)
		}
	}
}

func TestFlags(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == TokenEnv {
			return "from-env"
		}
		return ""
	}
	tests := []struct {
		args      []string
		wantToken string
		wantErr   string
		check     func(SinkOptions) bool
	}{
		{args: nil, wantToken: "from-env", check: func(o SinkOptions) bool {
			return o.URL == "" && o.MaxPoints == 1_000_000 && o.MaxBytes == 256<<20
		}},
		{args: []string{"--influx-url=http://db:8086", "--influx-org=o", "--influx-token-file=" + tokenFile,
			"--recording-spool-dir=/var/spool", "--recording-buffer-points=5", "--recording-buffer-bytes=6"},
			wantToken: "from-file", check: func(o SinkOptions) bool {
				return o.URL == "http://db:8086" && o.Org == "o" && o.SpoolDir == "/var/spool" && o.MaxPoints == 5 && o.MaxBytes == 6
			}},
		{args: []string{"--influx-token-file=/nonexistent/token"}, wantErr: "--influx-token-file"},
		{args: []string{"--recording-buffer-points=0"}, wantErr: "must be positive"},
	}
	for _, tt := range tests {
		var f Flags
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		f.Bind(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		o, err := f.SinkOptions(env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || o.Token != tt.wantToken || !tt.check(o) {
			t.Errorf("%v: %+v, %v", tt.args, o, err)
		}
	}
}
