package autoscaler

import (
	"fmt"
	"strings"
	"testing"
)

// TestReleaseTable checks every Kubernetes minor the stack config accepts has
// a pinned chart and an image of that same minor.
func TestReleaseTable(t *testing.T) {
	for minor := 29; minor <= 35; minor++ {
		v := fmt.Sprintf("1.%d", minor)
		r, err := ReleaseFor(v, "")
		if err != nil {
			t.Errorf("%s: %v", v, err)
			continue
		}
		if got, ok := ImageMinor(r.ImageTag); !ok || got != v {
			t.Errorf("%s: image %s targets %q, want the cluster's minor", v, r.ImageTag, got)
		}
		if !semverRe.MatchString(r.ChartVersion) {
			t.Errorf("%s: chart version %q is not x.y.z", v, r.ChartVersion)
		}
	}
	if got := SupportedVersions(); got[0] != "1.29" || got[len(got)-1] != "1.35" {
		t.Errorf("SupportedVersions = %v", got)
	}
}

func TestReleaseFor(t *testing.T) {
	r, err := ReleaseFor("1.33", "")
	if err != nil || r != (Release{ChartVersion: "9.50.1", ImageTag: "v1.33.3"}) {
		t.Fatalf("ReleaseFor(1.33) = %+v, %v", r, err)
	}
	r, err = ReleaseFor("1.33", "9.48.0")
	if err != nil || r.ChartVersion != "9.48.0" || r.ImageTag != "v1.33.3" {
		t.Fatalf("override keeps the image of the minor: %+v, %v", r, err)
	}
	for _, tc := range []struct{ version, chart, want string }{
		{"1.28", "", "no cluster-autoscaler release is pinned"},
		{"1.36", "", "supported: 1.29, 1.30"},
		{"1.33.2", "", `must be a minor version like "1.33"`},
		{"", "", "must be a minor version"},
		{"1.33", "v9.50.1", "must be a chart version like"},
		{"1.33", "latest", "must be a chart version like"},
	} {
		if _, err := ReleaseFor(tc.version, tc.chart); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReleaseFor(%q, %q) error = %v, want %q", tc.version, tc.chart, err, tc.want)
		}
	}
}

func TestImageMinor(t *testing.T) {
	for tag, want := range map[string]string{"v1.33.3": "1.33", "v1.35.0": "1.35"} {
		if got, ok := ImageMinor(tag); !ok || got != want {
			t.Errorf("ImageMinor(%s) = %s, %v", tag, got, ok)
		}
	}
	for _, bad := range []string{"1.33.3", "v1.33", "latest", ""} {
		if _, ok := ImageMinor(bad); ok {
			t.Errorf("ImageMinor(%q) accepted", bad)
		}
	}
}
