package recording

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func TestStatus(t *testing.T) {
	flushed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got := Status(Stats{Written: 10, Pending: 2, Dropped: 3, LastFlush: flushed, LastError: "boom"})
	if got.PointsWritten != 10 || got.PointsPending != 2 || got.PointsDropped != 3 || got.LastError != "boom" ||
		got.LastFlushTime == nil || !got.LastFlushTime.Time.Equal(flushed) {
		t.Fatalf("Status = %+v", got)
	}
	if got := Status(Stats{}); got.LastFlushTime != nil {
		t.Fatalf("no flush yet, but LastFlushTime = %v", got.LastFlushTime)
	}
}

func TestCondition(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		st         Stats
		status     metav1.ConditionStatus
		reason     string
		msgContain string
	}{
		{"healthy", Stats{Written: 5, Pending: 1}, metav1.ConditionTrue, v1alpha1.ReasonRecordingHealthy, "5 points written, 1 pending"},
		{"no influxdb", Stats{Disabled: true, Dropped: 4, DroppedDisabled: 4}, metav1.ConditionFalse, v1alpha1.ReasonRecordingDisabled, "no InfluxDB"},
		{"failing", Stats{Failing: true, Pending: 7, LastError: "InfluxDB unreachable"}, metav1.ConditionFalse, v1alpha1.ReasonWriteFailing, "7 points pending, 0 dropped: InfluxDB unreachable"},
		{"failing and dropping", Stats{Failing: true, Dropped: 2, LastDrop: now}, metav1.ConditionFalse, v1alpha1.ReasonWriteFailing, "2 dropped"},
		{"recent drop", Stats{Dropped: 3, DroppedOverflow: 2, DroppedRejected: 1, LastDrop: now.Add(-time.Minute), LastError: "InfluxDB answered 400"},
			metav1.ConditionFalse, v1alpha1.ReasonPointsDropped, "3 points dropped (2 buffer full, 1 refused by InfluxDB)"},
		{"old drop", Stats{Written: 9, Dropped: 3, LastDrop: now.Add(-DropWindow)}, metav1.ConditionTrue, v1alpha1.ReasonRecordingHealthy, "9 points written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Condition(tt.st, now)
			if c.Type != v1alpha1.ConditionRecording || c.Status != tt.status || c.Reason != tt.reason ||
				!strings.Contains(c.Message, tt.msgContain) {
				t.Fatalf("Condition = %+v, want %s/%s with %q", c, tt.status, tt.reason, tt.msgContain)
			}
		})
	}
	if c := DisabledCondition(); c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonRecordingDisabled {
		t.Fatalf("DisabledCondition = %+v", c)
	}
}
