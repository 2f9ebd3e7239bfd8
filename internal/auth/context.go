package auth

import (
	"context"

	"shilu/internal/evidence"
)

type userKey struct{}

// WithUser returns ctx carrying the authenticated user.
func WithUser(ctx context.Context, u evidence.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user of ctx.
func UserFrom(ctx context.Context) (evidence.User, bool) {
	u, ok := ctx.Value(userKey{}).(evidence.User)
	return u, ok
}
