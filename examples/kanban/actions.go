package main

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livefir/statetemplate/live"
)

// register adds the kanban's pages and actions to app; attachments are
// kept in files.
func register(app *live.App[*Kanban], files string) {
	app.Page("/{$}", "boards", func(_ context.Context, k *Kanban, _ live.Params) error {
		k.Open = ""
		return nil
	})
	app.Page("/boards/{id}", "board", func(_ context.Context, k *Kanban, p live.Params) error {
		if k.board(p.Path("id")) == nil {
			return live.Errorf("There is no board %s.", p.Path("id"))
		}
		k.Open, k.Filter = p.Path("id"), ""
		return nil
	})

	app.Handle("check_board", func(_ context.Context, _ *Kanban, m live.Message) error {
		return checkName(m.String("name"))
	})
	app.Handle("create_board", func(ctx context.Context, k *Kanban, m live.Message) error {
		name := strings.TrimSpace(m.String("name"))
		if err := checkName(name); err != nil {
			return err
		}
		if len(k.Boards) >= maxBoards {
			return live.Errorf("A tab holds at most %d boards.", maxBoards)
		}
		live.Navigate(ctx, "/boards/"+k.addBoard(name).ID)
		return nil
	})
	app.Handle("delete_board", func(ctx context.Context, k *Kanban, m live.Message) error {
		k.Boards = slices.DeleteFunc(k.Boards, func(b Board) bool { return b.ID == m.String("board") })
		live.Flash(ctx, "info", "Board deleted.")
		return nil
	})

	onBoard := func(fn func(ctx context.Context, k *Kanban, b *Board, m live.Message) error) live.ActionFunc[*Kanban] {
		return func(ctx context.Context, k *Kanban, m live.Message) error {
			b := k.Board()
			if b == nil {
				return live.Errorf("Open a board first.")
			}
			return fn(ctx, k, b, m)
		}
	}
	app.Handle("filter", func(_ context.Context, k *Kanban, m live.Message) error {
		k.Filter = m.String("value")
		return nil
	})
	app.Handle("check_card", func(_ context.Context, _ *Kanban, m live.Message) error {
		var in cardInput
		if err := m.Decode(&in); err != nil {
			return err
		}
		return in.validate()
	})
	app.Handle("add_card", onBoard(func(ctx context.Context, k *Kanban, b *Board, m live.Message) error {
		var in cardInput
		if err := m.Decode(&in); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if len(b.Cards) >= maxCards {
			return live.Errorf("A board holds at most %d cards.", maxCards)
		}
		c := k.addCard(b, in, Columns[0])
		live.PushEvent(ctx, "card_added", map[string]string{"id": c.ID})
		return nil
	}))
	app.Handle("move", onBoard(func(_ context.Context, _ *Kanban, b *Board, m live.Message) error {
		i, err := b.card(m.String("card"))
		if err != nil {
			return err
		}
		if !slices.Contains(Columns, m.String("to")) {
			return live.Errorf("There is no column %q.", m.String("to"))
		}
		c := b.Cards[i]
		c.Column = m.String("to")
		b.Cards = append(slices.Delete(b.Cards, i, i+1), c) // last in its new column
		return nil
	}))
	app.Handle("delete_card", onBoard(func(ctx context.Context, _ *Kanban, b *Board, m live.Message) error {
		i, err := b.card(m.String("card"))
		if err != nil {
			return err
		}
		b.Cards = slices.Delete(b.Cards, i, i+1)
		live.Flash(ctx, "info", "Card deleted.")
		return nil
	}))
	app.Handle("attach", onBoard(func(ctx context.Context, _ *Kanban, b *Board, m live.Message) error {
		i, err := b.card(m.String("card"))
		if err != nil {
			return err
		}
		f := m.Files("file")
		if len(f) == 0 {
			return live.Errorf("Choose a file to attach.")
		}
		name := rand.Text() + filepath.Ext(f[0].Name)
		if err := os.Rename(f[0].Path(), filepath.Join(files, name)); err != nil {
			return err
		}
		b.Cards[i].Attachment = name
		live.Flash(ctx, "success", "Attached "+f[0].Name+".")
		return nil
	}))
}

func checkName(name string) error {
	if n := len(strings.TrimSpace(name)); n == 0 || n > maxTitle {
		return live.FieldErrors{"name": "A board needs a name of 1 to 120 characters."}
	}
	return nil
}
