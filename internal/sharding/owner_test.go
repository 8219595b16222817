package sharding

import (
	"fmt"
	"testing"
)

// TestOwnerMovesOnlyWhatItMust: adding a member moves keys only to it;
// removing one moves only its keys; the split is even within a few
// percent.
func TestOwnerMovesOnlyWhatItMust(t *testing.T) {
	const keys = 30000
	three := []string{"replica-a", "replica-b", "replica-c"}
	four := append([]string{"replica-0"}, three...)
	counts := map[string]int{}
	moved := 0
	for i := range keys {
		k := fmt.Sprintf("ns-%d/bot-%d", i%17, i)
		before, after := owner(three, k), owner(four, k)
		counts[before]++
		if before != after {
			moved++
			if after != "replica-0" {
				t.Fatalf("%s moved from %s to %s, not to the new member", k, before, after)
			}
		}
		if without := owner([]string{"replica-a", "replica-c"}, k); before != "replica-b" && without != before {
			t.Fatalf("%s moved from %s to %s when replica-b left", k, before, without)
		}
	}
	for _, m := range three {
		if share := float64(counts[m]) / keys; share < 0.30 || share > 0.37 {
			t.Errorf("%s owns %.3f of the keys, want about a third", m, share)
		}
	}
	if share := float64(moved) / keys; share < 0.22 || share > 0.28 {
		t.Errorf("a fourth member took %.3f of the keys, want about a quarter", share)
	}
	if got := owner(nil, "x"); got != "" {
		t.Errorf("owner with no members = %q", got)
	}
}
