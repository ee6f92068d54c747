// Package edgestore connects the edge cache to the emulator's state: it
// lists a store's distributions in the form edgecache.Proxy reads them.
// `cfinv serve` and cfinvtest both wire their edge through it, and neither
// edgecache nor store has to know the other.
package edgestore

import (
	"context"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/edgecache"
	"github.com/cfinv/cfinv/internal/store"
)

// pageSize is how many distributions one store call lists.
const pageSize = 1000

// Distributions returns an edgecache.Distributions listing every
// distribution in st, page by page, each with a read-only view of its
// stored config.
func Distributions(st store.Store) edgecache.DistributionsFunc {
	return func(ctx context.Context) ([]edgecache.Distribution, error) {
		var out []edgecache.Distribution
		marker := ""
		for {
			items, truncated, err := st.ListDistributions(ctx, marker, pageSize)
			if err != nil {
				return nil, err
			}
			for _, d := range items {
				out = append(out, edgecache.Distribution{ID: d.ID, DomainName: d.DomainName, Config: distconfig.View(d.Config)})
			}
			if !truncated || len(items) == 0 {
				return out, nil
			}
			marker = items[len(items)-1].ID
		}
	}
}
