package recording

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// DropWindow is how long after a dropped point the Recording condition
// stays False with reason PointsDropped.
const DropWindow = 10 * time.Minute

// SpoolFillingPercent is how full the spool must be for the Recording
// condition to say SpoolFilling.
const SpoolFillingPercent = 80

// Status returns a resource's status.recording for st.
func Status(st Stats) v1alpha1.RecordingStatus {
	rs := v1alpha1.RecordingStatus{
		PointsWritten:  st.Written,
		PointsPending:  st.Pending,
		PointsDropped:  st.Dropped,
		PointsReplayed: st.Replayed,
		SpoolPercent:   int32(st.SpoolPercent),
		LastError:      st.LastError,
	}
	if !st.LastFlush.IsZero() {
		t := metav1.NewTime(st.LastFlush)
		rs.LastFlushTime = &t
	}
	return rs
}

// Condition returns the Recording condition for st at now (Type, Status,
// Reason and Message; the caller sets ObservedGeneration and the
// transition time). Use DisabledCondition when the spec turns recording
// off.
func Condition(st Stats, now time.Time) metav1.Condition {
	c := metav1.Condition{Type: v1alpha1.ConditionRecording}
	switch {
	case st.Disabled:
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonRecordingDisabled
		c.Message = fmt.Sprintf("the operator has no InfluxDB configured; %d points counted as dropped", st.Dropped)
	case st.SpoolPercent >= SpoolFillingPercent:
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonSpoolFilling
		c.Message = fmt.Sprintf("the recording spool is %d%% full; when full its oldest points are dropped; %d points pending, %d dropped",
			st.SpoolPercent, st.Pending, st.Dropped)
		if st.LastError != "" {
			c.Message += ": " + st.LastError
		}
	case st.Failing:
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonWriteFailing
		c.Message = fmt.Sprintf("writes to InfluxDB fail and are retried; %d points pending, %d dropped: %s",
			st.Pending, st.Dropped, st.LastError)
	case st.Dropped > 0 && now.Sub(st.LastDrop) < DropWindow:
		c.Status, c.Reason = metav1.ConditionFalse, v1alpha1.ReasonPointsDropped
		c.Message = fmt.Sprintf("%d points dropped (%s), the last at %s", st.Dropped, dropBreakdown(st),
			st.LastDrop.UTC().Format(time.RFC3339))
		if st.LastError != "" {
			c.Message += ": " + st.LastError
		}
	default:
		c.Status, c.Reason = metav1.ConditionTrue, v1alpha1.ReasonRecordingHealthy
		c.Message = fmt.Sprintf("%d points written, %d pending", st.Written, st.Pending)
	}
	return c
}

// DisabledCondition is the Recording condition of a resource whose
// spec.recording.enabled is false.
func DisabledCondition() metav1.Condition {
	return metav1.Condition{
		Type:    v1alpha1.ConditionRecording,
		Status:  metav1.ConditionFalse,
		Reason:  v1alpha1.ReasonRecordingDisabled,
		Message: "spec.recording.enabled is false",
	}
}

func dropBreakdown(st Stats) string {
	out := ""
	add := func(n int64, what string) {
		if n == 0 {
			return
		}
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("%d %s", n, what)
	}
	add(st.DroppedOverflow, "buffer full")
	add(st.DroppedRejected, "refused by InfluxDB")
	add(st.DroppedInvalid, "invalid")
	add(st.DroppedUndelivered, "undelivered at shutdown")
	add(st.DroppedSpoolFull, "spool full")
	return out
}
