package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/livefir/statetemplate/live"
)

// Kanban is one tab's state: its boards, the board on screen and the
// filter of its cards.
type Kanban struct {
	Boards []Board `json:"boards"`
	NextID int     `json:"next_id"`
	Open   string  `json:"open"`   // the board shown at /boards/{id}
	Filter string  `json:"filter"` // cards whose title holds it
}

// Board is a named set of cards in three columns.
type Board struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Cards []Card `json:"cards"`
}

// Card is one card; Column is one of Columns.
type Card struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Column     string    `json:"column"`
	Labels     []string  `json:"labels,omitempty"`
	Due        time.Time `json:"due,omitzero"`
	Attachment string    `json:"attachment,omitempty"` // a file name under the files directory
}

// Columns are the columns of every board, in order.
var Columns = []string{"todo", "doing", "done"}

// Labels are the labels a card may carry.
var Labels = []string{"bug", "feature", "urgent"}

// Limits on what a tab's session may hold: everything comes from a browser.
const (
	maxBoards = 20
	maxCards  = 200
	maxTitle  = 120
)

func newKanban() *Kanban {
	k := &Kanban{}
	b := k.addBoard("Launch")
	for i, t := range []string{"Write the docs", "Ship the beta", "Plan the party"} {
		k.addCard(b, cardInput{Title: t}, Columns[i])
	}
	return k
}

func (k *Kanban) nextID() string {
	k.NextID++
	return strconv.Itoa(k.NextID)
}

func (k *Kanban) addBoard(name string) *Board {
	k.Boards = append(k.Boards, Board{ID: k.nextID(), Name: name})
	return &k.Boards[len(k.Boards)-1]
}

// board returns the board id, or nil.
func (k *Kanban) board(id string) *Board {
	i := slices.IndexFunc(k.Boards, func(b Board) bool { return b.ID == id })
	if i < 0 {
		return nil
	}
	return &k.Boards[i]
}

// Board is the board on screen (for the template).
func (k *Kanban) Board() *Board { return k.board(k.Open) }

// cardInput is the add-card form.
type cardInput struct {
	Title  string    `json:"title"`
	Labels []string  `json:"labels"`
	Due    time.Time `json:"due"`
}

func (in *cardInput) validate() error {
	in.Title = strings.TrimSpace(in.Title)
	errs := live.FieldErrors{}
	switch {
	case in.Title == "":
		errs["title"] = "Give the card a title."
	case len(in.Title) > maxTitle:
		errs["title"] = fmt.Sprintf("At most %d characters.", maxTitle)
	}
	for _, l := range in.Labels {
		if !slices.Contains(Labels, l) {
			errs["labels"] = "Unknown label " + strconv.Quote(l) + "."
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (k *Kanban) addCard(b *Board, in cardInput, column string) Card {
	c := Card{ID: "c" + k.nextID(), Title: in.Title, Column: column, Labels: in.Labels, Due: in.Due}
	b.Cards = append(b.Cards, c)
	return c
}

// card returns the index of card id on b.
func (b *Board) card(id string) (int, error) {
	i := slices.IndexFunc(b.Cards, func(c Card) bool { return c.ID == id })
	if i < 0 {
		return 0, live.Errorf("That card is gone.")
	}
	return i, nil
}

// In returns the cards of column that match filter (for the template).
func (b *Board) In(column, filter string) []Card {
	var out []Card
	for _, c := range b.Cards {
		if c.Column == column && strings.Contains(strings.ToLower(c.Title), strings.ToLower(filter)) {
			out = append(out, c)
		}
	}
	return out
}
