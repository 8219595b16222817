package signal

import (
	"math"
	"testing"
)

// The worked examples below are StockCharts ChartSchool's spreadsheets
// (cs-rsi.xls, cs-bbands.xls, cs-ema.xls), which its articles on the RSI,
// Bollinger Bands and moving averages walk through. The RSI sheet keeps
// four decimals of the QQQQ closes; rounded to two decimals, as the article
// prints them, the same closes give a first RSI of 70.46 instead of 70.53.

var chartSchoolRSICloses = []float64{
	44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245,
	45.8433, 46.0826, 45.8931, 46.0328, 45.6140, 46.2820, 46.2820, 46.0028,
	46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515,
	45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628,
	43.1314,
}

// RSI(14) from the 15th close on, four decimals.
var chartSchoolRSI = []float64{
	70.5328, 66.3186, 66.5498, 69.4063, 66.3552, 57.9749, 62.9296, 63.2571,
	56.0593, 62.3771, 54.7076, 50.4228, 39.9898, 41.4605, 41.8689, 45.4632,
	37.3040, 33.0795, 37.7730,
}

func TestRSIChartSchool(t *testing.T) {
	r, err := NewRSI(14)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range chartSchoolRSICloses {
		r.Update(x)
		if i < 14 {
			if r.Ready() {
				t.Fatalf("ready after %d closes, want 15", i+1)
			}
			continue
		}
		if !r.Ready() {
			t.Fatalf("not ready after %d closes", i+1)
		}
		if got, want := r.Value(), chartSchoolRSI[i-14]; math.Abs(got-want) > 0.00005 {
			t.Errorf("close %d: RSI %.6f, want %.4f", i+1, got, want)
		}
	}
}

func TestRSIEdges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		closes []float64
		want   float64
	}{
		{"only gains", []float64{1, 2, 3, 4}, 100},
		{"only losses", []float64{4, 3, 2, 1}, 0},
		{"flat", []float64{5, 5, 5, 5}, 50},
		// period 2: changes +2, −1 → gain 1, loss 0.5; then +1 → gain 1,
		// loss 0.25, RS 4.
		{"hand", []float64{10, 12, 11, 12}, 80},
	} {
		r, _ := NewRSI(2)
		for _, x := range tc.closes {
			r.Update(x)
		}
		if got := r.Value(); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: RSI %v, want %v", tc.name, got, tc.want)
		}
	}
}

var chartSchoolBollingerCloses = []float64{
	86.1557, 89.0867, 88.7829, 90.3228, 89.0671, 91.1453, 89.4397, 89.1750,
	86.9302, 87.6752, 86.9596, 89.4299, 89.3221, 88.7241, 87.4497, 87.2634,
	89.4985, 87.9006, 89.1260, 90.7043, 92.9001, 92.9784, 91.8021, 92.6647,
	92.6843, 92.3021, 92.7725, 92.5373, 92.9490, 93.2039, 91.0669, 89.8318,
	89.7435, 90.3994, 90.7387, 88.0177, 88.0867, 88.8439, 90.7781, 90.5416,
	91.3894, 90.6500,
}

// Middle band, standard deviation, upper and lower band of
// Bollinger(20, 2) from the 20th close on, as the sheet prints them.
var chartSchoolBollinger = [][4]float64{
	{88.70794, 1.291961, 91.291862, 86.124018},
	{89.04516, 1.452054, 91.949268, 86.141052},
	{89.239745, 1.686425, 92.612595, 85.866895},
	{89.390705, 1.771747, 92.9342, 85.84721},
	{89.5078, 1.902075, 93.31195, 85.70365},
	{89.68866, 2.019895, 93.72845, 85.64887},
	{89.7465, 2.076546, 93.899592, 85.593408},
	{89.91314, 2.176557, 94.266255, 85.560025},
	{90.081255, 2.241921, 94.565096, 85.597414},
	{90.382195, 2.202359, 94.786912, 85.977478},
	{90.65863, 2.192185, 95.043001, 86.274259},
	{90.863995, 2.021805, 94.907605, 86.820385},
	{90.88409, 2.009411, 94.902912, 86.865268},
	{90.90516, 1.99508, 94.89532, 86.915},
	{90.988925, 1.936044, 94.861013, 87.116837},
	{91.153375, 1.760127, 94.673629, 87.633121},
	{91.19109, 1.682751, 94.556593, 87.825587},
	{91.1205, 1.779126, 94.678752, 87.562248},
	{91.167665, 1.70406, 94.575786, 87.759544},
	{91.25027, 1.642001, 94.534271, 87.966269},
	{91.242135, 1.645086, 94.532306, 87.951964},
	{91.1666, 1.601325, 94.369251, 87.963949},
	{91.05018, 1.549162, 94.148503, 87.951857},
}

func TestBollingerChartSchool(t *testing.T) {
	b, err := NewBollinger(20, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range chartSchoolBollingerCloses {
		b.Update(x)
		if i < 19 {
			if b.Ready() {
				t.Fatalf("ready after %d closes, want 20", i+1)
			}
			continue
		}
		lower, middle, upper, sd := b.Bands()
		want := chartSchoolBollinger[i-19]
		for j, got := range []float64{middle, sd, upper, lower} {
			if math.Abs(got-want[j]) > 0.000005 {
				t.Errorf("close %d: %s %.7f, want %v", i+1, []string{"middle", "stddev", "upper", "lower"}[j], got, want[j])
			}
		}
	}
}

// The classic small example of a population standard deviation: mean 5,
// deviation 2, so Bollinger(8, 2) is 1, 5, 9; then one more close slides
// the window.
func TestBollingerHand(t *testing.T) {
	b, _ := NewBollinger(8, 2)
	for _, x := range []float64{2, 4, 4, 4, 5, 5, 7, 9} {
		b.Update(x)
	}
	if lower, middle, upper, sd := b.Bands(); lower != 1 || middle != 5 || upper != 9 || sd != 2 {
		t.Errorf("bands %v %v %v sd %v, want 1 5 9 sd 2", lower, middle, upper, sd)
	}
	b.Update(10) // window 4 4 4 5 5 7 9 10: mean 6, variance 40/8 = 5
	_, middle, _, sd := b.Bands()
	if middle != 6 || math.Abs(sd-math.Sqrt(5)) > 1e-15 {
		t.Errorf("after sliding: middle %v sd %v, want 6 and √5", middle, sd)
	}
	for range 8 {
		b.Update(3)
	}
	if lower, middle, upper, sd := b.Bands(); lower != 3 || middle != 3 || upper != 3 || sd != 0 {
		t.Errorf("flat window: bands %v %v %v sd %v, want exactly 3 3 3 sd 0", lower, middle, upper, sd)
	}
}

// The sheet's closes carry four decimals; the article prints two.
var chartSchoolEMACloses = []float64{
	22.2734, 22.1940, 22.0847, 22.1741, 22.1840, 22.1344, 22.2337, 22.4323,
	22.2436, 22.2933, 22.1542, 22.3926, 22.3816, 22.6109, 23.3558, 24.0519,
	23.7530, 23.8324, 23.9516, 23.6338, 23.8225, 23.8722, 23.6537, 23.1870,
	23.0976, 23.3260, 22.6805, 23.0976, 22.4025, 22.1725,
}

// The 10-day EMA from the 10th close on, as the sheet computes it; the
// first one is the 10-day SMA it is seeded with.
var chartSchoolEMA = []float64{
	22.2247500000, 22.2119227273, 22.2447731405, 22.2696507513, 22.3316960693,
	22.5178967839, 22.7968064596, 22.9706598306, 23.1273398614, 23.2772053411,
	23.3420407336, 23.4293969639, 23.5099066068, 23.5360508601, 23.4725870674,
	23.4044076006, 23.3901516732, 23.2611240963, 23.2313924424, 23.0806847256,
	22.9155602300,
}

func TestEMAChartSchool(t *testing.T) {
	e, err := NewEMA(10)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSMA(10)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range chartSchoolEMACloses {
		e.Update(x)
		s.Update(x)
		if i < 9 {
			if e.Ready() || s.Ready() {
				t.Fatalf("ready after %d closes, want 10", i+1)
			}
			continue
		}
		if got, want := e.Value(), chartSchoolEMA[i-9]; math.Abs(got-want) > 1e-9 {
			t.Errorf("close %d: EMA %.10f, want %.10f", i+1, got, want)
		}
		if i == 9 {
			if got := s.Value(); math.Abs(got-22.22475) > 1e-12 {
				t.Errorf("SMA(10) of the first 10 closes %v, want 22.22475", got)
			}
		}
	}
}

func TestSMAAndEMAHand(t *testing.T) {
	s, _ := NewSMA(5)
	e, _ := NewEMA(3) // alpha 0.5
	var sma, ema []float64
	for _, x := range []float64{11, 12, 13, 14, 15, 16, 17} {
		s.Update(x)
		e.Update(x)
		if s.Ready() {
			sma = append(sma, s.Value())
		}
		if e.Ready() {
			ema = append(ema, e.Value())
		}
	}
	// EMA: seed (11+12+13)/3 = 12, then 13, 14, 15, 16 (each halfway to
	// the next close).
	if want := []float64{13, 14, 15}; !equalFloats(sma, want) {
		t.Errorf("SMA(5) %v, want %v", sma, want)
	}
	if want := []float64{12, 13, 14, 15, 16}; !equalFloats(ema, want) {
		t.Errorf("EMA(3) %v, want %v", ema, want)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIndicatorConstructorsRefuseBadParameters(t *testing.T) {
	if _, err := NewSMA(0); err == nil {
		t.Error("NewSMA(0): no error")
	}
	if _, err := NewEMA(-1); err == nil {
		t.Error("NewEMA(-1): no error")
	}
	if _, err := NewRSI(0); err == nil {
		t.Error("NewRSI(0): no error")
	}
	for _, k := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := NewBollinger(20, k); err == nil {
			t.Errorf("NewBollinger(20, %v): no error", k)
		}
	}
}
