package cache

import "github.com/dgraph-io/ristretto/v2"

// Metrics are a cache's counters since it was created.
type Metrics struct {
	Hits, Misses uint64
	// KeysAdded, KeysEvicted count admissions and evictions; SetsDropped
	// and SetsRejected count Sets that ristretto did not keep.
	KeysAdded, KeysEvicted    uint64
	SetsDropped, SetsRejected uint64
	// CostAdded and CostEvicted are in bytes (the budget's unit).
	CostAdded, CostEvicted uint64
}

// Ratio is Hits/(Hits+Misses), 0 when there were no lookups.
func (m Metrics) Ratio() float64 {
	if m.Hits+m.Misses == 0 {
		return 0
	}
	return float64(m.Hits) / float64(m.Hits+m.Misses)
}

func metricsOf(m *ristretto.Metrics) Metrics {
	if m == nil {
		return Metrics{}
	}
	return Metrics{
		Hits: m.Hits(), Misses: m.Misses(),
		KeysAdded: m.KeysAdded(), KeysEvicted: m.KeysEvicted(),
		SetsDropped: m.SetsDropped(), SetsRejected: m.SetsRejected(),
		CostAdded: m.CostAdded(), CostEvicted: m.CostEvicted(),
	}
}

// config returns ristretto's configuration for a budget of budget bytes
// holding entries of about avg bytes: ten counters per expected entry, as
// ristretto recommends.
func config[V any](budget, avg int64) *ristretto.Config[string, V] {
	n := budget / avg
	if n < 100 {
		n = 100
	}
	return &ristretto.Config[string, V]{
		NumCounters:        10 * n,
		MaxCost:            budget,
		BufferItems:        64,
		Metrics:            true,
		IgnoreInternalCost: true,
	}
}
