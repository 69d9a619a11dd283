package conduit

import (
	"context"
	"testing"
)

// The viewer of an operation is the one its credential names, or the one
// who signed in during it; a sign-in lasts for its own operation only.
func TestIsViewer(t *testing.T) {
	t.Run("Token", func(t *testing.T) {
		ctx := NewContextWithOperationViewer(NewContextWithViewer(context.Background(), &User{ID: 7}))
		if !IsViewer(ctx, 7) || IsViewer(ctx, 8) {
			t.Fatal("the token's user, and only them, is the viewer")
		}
	})
	t.Run("SignedIn", func(t *testing.T) {
		base := context.Background()
		op := NewContextWithOperationViewer(base)
		if IsViewer(op, 7) {
			t.Fatal("an anonymous operation has no viewer")
		}
		SignIn(op, 7)
		if !IsViewer(op, 7) || IsViewer(op, 8) {
			t.Fatal("who signed in during the operation is its viewer")
		}
		if IsViewer(NewContextWithOperationViewer(base), 7) {
			t.Fatal("the next operation starts anonymous")
		}
	})
	t.Run("NoHolder", func(t *testing.T) {
		ctx := context.Background()
		SignIn(ctx, 7)
		if IsViewer(ctx, 7) {
			t.Fatal("without a holder, a sign-in is not recorded")
		}
	})
	t.Run("Zero", func(t *testing.T) {
		ctx := NewContextWithOperationViewer(context.Background())
		SignIn(ctx, 0)
		if IsViewer(ctx, 0) {
			t.Fatal("user 0 is nobody")
		}
	})
}
