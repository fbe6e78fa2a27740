package api

import (
	"context"
	"slices"

	"github.com/kyso-vn/kyso/dossier"
)

// A Principal is who a request is from: a staff member (by session,
// OIDC login or personal API token), or an integration acting for the
// portal (an API token without a staff member).
type Principal struct {
	Username string
	Staff    *dossier.Staff // nil for integrations
	Via      string         // session, token, oidc
	Scopes   []string       // token scopes; sessions hold every scope of their roles
	Session  string         // session ID hash (sessions only)
	CSRF     string         // the session's CSRF token (sessions only)
	TokenID  string         // the API token's public ID (tokens only)
	Portal   bool           // a portal-bound token: acts as each submission's applicant
}

func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(keyPrincipal).(*Principal)
	return p
}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, keyPrincipal, p)
}

// Act returns the actor for role in unit, when the principal holds it.
func (p *Principal) Act(role dossier.Role, unit string) (dossier.Actor, bool) {
	if p == nil || p.Staff == nil || !p.Staff.Holds(role, unit) {
		return dossier.Actor{}, false
	}
	return dossier.Actor{Username: p.Username, Role: role, Unit: unit}, true
}

// ActIn returns the first actor among roles held in one of units.
func (p *Principal) ActIn(roles []dossier.Role, units ...string) (dossier.Actor, bool) {
	for _, u := range units {
		for _, r := range roles {
			if a, ok := p.Act(r, u); ok && u != "" {
				return a, true
			}
		}
	}
	return dossier.Actor{}, false
}

// Units lists the units the principal holds any role in.
func (p *Principal) Units() []string {
	if p == nil || p.Staff == nil {
		return nil
	}
	var out []string
	for _, r := range p.Staff.Roles {
		if !slices.Contains(out, r.Unit) {
			out = append(out, r.Unit)
		}
	}
	return out
}

// Sees reports whether the principal may see dossier d: staff of its
// receiving unit or of an agency it went to; the portal, dossiers
// submitted online.
func (p *Principal) Sees(d *dossier.Dossier) bool {
	if p != nil && p.Portal {
		return d.Channel == dossier.ChannelOnline
	}
	units := p.Units()
	if slices.Contains(units, d.Unit) || slices.Contains(units, d.ProcessingUnit) {
		return true
	}
	for _, ev := range d.Events {
		if ev.Data.Unit != "" && slices.Contains(units, ev.Data.Unit) {
			return true
		}
	}
	return false
}

// HasScope reports whether a token principal has scope (sessions have all).
func (p *Principal) HasScope(scope string) bool {
	return p != nil && (p.Via != "token" || slices.Contains(p.Scopes, scope))
}
