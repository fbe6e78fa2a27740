package wire

import (
	"fmt"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/dossier/calendar"
)

// Calendars loads the working-time calendar of every profile once (a
// calendar computes its year tables lazily and keeps them) and returns the
// engine's lookup. opts (extra announcement files) apply to all.
func Calendars(opts ...calendar.Option) (func(id string) (dossier.Calendar, error), error) {
	cals := map[string]*calendar.Calendar{}
	for _, id := range calendar.Profiles() {
		c, err := calendar.ForProfile(id, opts...)
		if err != nil {
			return nil, err
		}
		cals[id] = c
	}
	return func(id string) (dossier.Calendar, error) {
		c, ok := cals[id]
		if !ok {
			return nil, fmt.Errorf("%w: %q", calendar.ErrUnknownProfile, id)
		}
		return c, nil
	}, nil
}
