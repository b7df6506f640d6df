package supply

import "github.com/medchain/medchain/internal/ledger"

// bloodRoutes are the routes of blood, plasma, transformations and PPE.
func (k *Keeper) bloodRoutes() []ledger.Route { return nil }
