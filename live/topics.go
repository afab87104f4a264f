package live

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Bounds on topics: a topic name is at most maxTopicLen bytes of UTF-8, and
// one session subscribes to at most MaxTopicsPerSession topics.
const (
	maxTopicLen = 256
	// MaxTopicsPerSession bounds one session's subscriptions; Subscribe
	// past it logs a warning and subscribes to nothing more.
	MaxTopicsPerSession = 1024
)

// TopicFunc applies a published payload to one session's data, in place,
// as an ActionFunc applies a browser action. Its ctx carries the session
// (SessionID) and the topic (Topic), and takes Subscribe, Unsubscribe,
// Flash, PushEvent, Navigate and Redirect. An error leaves the session's
// data and page as they were and is logged.
//
// Each session gets its own copy of the payload, decoded from what
// Publish encoded: a handler may keep it, or parts of it, in its data.
// With SharedPayload, every session gets the same value, decoded once
// per publish, which the handler must not change.
type TopicFunc[T, P any] func(ctx context.Context, data T, payload P) error

// HandleTopic registers fn for the payloads published to topic on a's
// sessions that subscribed to it (or that PushTo targets). A topic ending
// in "*" is a prefix: "room:*" handles "room:1" and "room:lobby", and the
// longest registered prefix wins over shorter ones; an exact name wins
// over any prefix. P is the payload's type, which Publish checks and which
// the payload travels as between servers (CBOR; see WithBroker).
//
// It panics on an empty or over-long topic, a "*" other than at the end,
// or a topic registered twice, as Handle does.
func HandleTopic[T, P any](a *App[T], topic string, fn TopicFunc[T, P], opts ...TopicOption) {
	pattern, prefix := strings.CutSuffix(topic, "*")
	if fn == nil || !(prefix && pattern == "" || validTopic(pattern) == nil) { // "*" alone takes every topic
		panic(fmt.Sprintf("live: HandleTopic: invalid topic %q", topic))
	}
	var cfg topicConfig
	for _, o := range opts {
		o(&cfg)
	}
	h := &topicHandler[T]{
		pattern: topic,
		payload: reflect.TypeFor[P](),
		shared:  cfg.shared,
		apply: func(ctx context.Context, data T, raw *pushPayload) error {
			p, err := decodePayload[P](raw, cfg.shared)
			if err != nil {
				return err
			}
			return fn(ctx, data, p)
		},
	}
	if !a.push.handlers.add(pattern, prefix, h) {
		panic(fmt.Sprintf("live: HandleTopic: topic %q registered twice", topic))
	}
}

// topicHandler is a registered TopicFunc with its payload type erased.
type topicHandler[T any] struct {
	pattern string
	payload reflect.Type
	shared  bool // SharedPayload: the sessions share one decoded value
	apply   func(ctx context.Context, data T, p *pushPayload) error
}

// topicHandlers finds the handler of a topic: an exact match, else the
// longest prefix.
type topicHandlers[T any] struct {
	mu       sync.RWMutex
	exact    map[string]*topicHandler[T]
	prefixes []prefixHandler[T] // longest first
}

type prefixHandler[T any] struct {
	prefix string
	h      *topicHandler[T]
}

func (th *topicHandlers[T]) add(pattern string, prefix bool, h *topicHandler[T]) bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	if !prefix {
		if th.exact == nil {
			th.exact = make(map[string]*topicHandler[T])
		}
		if th.exact[pattern] != nil {
			return false
		}
		th.exact[pattern] = h
		return true
	}
	if slices.ContainsFunc(th.prefixes, func(p prefixHandler[T]) bool { return p.prefix == pattern }) {
		return false
	}
	th.prefixes = append(th.prefixes, prefixHandler[T]{pattern, h})
	slices.SortStableFunc(th.prefixes, func(a, b prefixHandler[T]) int { return len(b.prefix) - len(a.prefix) })
	return true
}

func (th *topicHandlers[T]) match(topic string) *topicHandler[T] {
	th.mu.RLock()
	defer th.mu.RUnlock()
	if h := th.exact[topic]; h != nil {
		return h
	}
	for _, p := range th.prefixes {
		if strings.HasPrefix(topic, p.prefix) {
			return p.h
		}
	}
	return nil
}

// validTopic checks a topic name: 1 to maxTopicLen bytes of valid UTF-8,
// no "*" (which only HandleTopic's patterns use).
func validTopic(topic string) error {
	switch {
	case topic == "":
		return fmt.Errorf("%w: empty topic", ErrInvalidTopic)
	case len(topic) > maxTopicLen:
		return fmt.Errorf("%w: topic over %d bytes", ErrInvalidTopic, maxTopicLen)
	case !utf8.ValidString(topic):
		return fmt.Errorf("%w: topic is not valid UTF-8", ErrInvalidTopic)
	case strings.Contains(topic, "*"):
		return fmt.Errorf("%w: %q: only HandleTopic patterns may hold \"*\"", ErrInvalidTopic, topic)
	}
	return nil
}

// topicIndex maps topics to their subscribed sessions.
type topicIndex[T any] struct {
	mu   sync.RWMutex
	subs map[string]map[*liveSession[T]]struct{}
}

// subscribers returns the sessions subscribed to topic, appended to buf.
func (ti *topicIndex[T]) subscribers(topic string, buf []*liveSession[T]) []*liveSession[T] {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	for ls := range ti.subs[topic] {
		buf = append(buf, ls)
	}
	return buf
}

// add subscribes ls to topics, up to MaxTopicsPerSession; it returns the
// topics refused for that bound.
func (ti *topicIndex[T]) add(ls *liveSession[T], topics []string) (refused []string) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if ti.subs == nil {
		ti.subs = make(map[string]map[*liveSession[T]]struct{})
	}
	if ls.topics == nil {
		ls.topics = make(map[string]struct{})
	}
	for _, t := range topics {
		if _, ok := ls.topics[t]; ok {
			continue
		}
		if len(ls.topics) >= MaxTopicsPerSession {
			refused = append(refused, t)
			continue
		}
		ls.topics[t] = struct{}{}
		set := ti.subs[t]
		if set == nil {
			set = make(map[*liveSession[T]]struct{})
			ti.subs[t] = set
		}
		set[ls] = struct{}{}
	}
	return refused
}

// remove unsubscribes ls from topics, or from every topic when all.
func (ti *topicIndex[T]) remove(ls *liveSession[T], topics []string, all bool) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if all {
		topics = topics[:0]
		for t := range ls.topics {
			topics = append(topics, t)
		}
	}
	for _, t := range topics {
		delete(ls.topics, t)
		if set := ti.subs[t]; set != nil {
			delete(set, ls)
			if len(set) == 0 {
				delete(ti.subs, t)
			}
		}
	}
}

// topicsOf returns the topics ls is subscribed to, sorted.
func (ti *topicIndex[T]) topicsOf(ls *liveSession[T]) []string {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	out := make([]string, 0, len(ls.topics))
	for t := range ls.topics {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// scope is what a handler's, a push callback's or a connect hook's ctx
// knows beyond its reply: the session's subscriptions, and for a push its
// topic and the mark its frames carry.
type scope struct {
	subs  subscriptions
	topic string
	mark  *pushMark
}

// subscriptions changes one session's topics.
type subscriptions interface {
	subscribe(topics []string)
	unsubscribe(topics []string)
	list() []string
}

type scopeKey struct{}

func withScope(ctx context.Context, s *scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

func scopeOf(ctx context.Context) *scope {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

// sessionSubs is a session's subscriptions in its App's index.
type sessionSubs[T any] struct {
	a  *App[T]
	ls *liveSession[T]
}

func (s sessionSubs[T]) subscribe(topics []string) {
	log := s.a.cfg.logger
	valid := topics[:0:0]
	for _, t := range topics {
		if err := validTopic(t); err != nil {
			log.Warn("live: Subscribe: topic refused", "session", s.ls.id[:8], "err", err)
			continue
		}
		if s.a.push.handlers.match(t) == nil {
			log.Warn("live: Subscribe: no handler for the topic (HandleTopic); refused", "session", s.ls.id[:8], "topic", t)
			continue
		}
		valid = append(valid, t)
	}
	if refused := s.a.push.topics.add(s.ls, valid); len(refused) > 0 {
		log.Warn("live: Subscribe: the session has too many topics (MaxTopicsPerSession); refused",
			"session", s.ls.id[:8], "topics", len(refused), "first", refused[0])
	}
}

func (s sessionSubs[T]) unsubscribe(topics []string) {
	s.a.push.topics.remove(s.ls, slices.Clone(topics), false)
}

func (s sessionSubs[T]) list() []string { return s.a.push.topics.topicsOf(s.ls) }

// Subscribe subscribes the session a handler, a push callback or a
// connect hook (OnConnect) runs for to topics: from now on, every Publish
// to one of them runs its HandleTopic handler on the session's data and
// pushes the updates to its page. A subscription lasts while the page is
// connected: OnConnect, which runs at every connection, is where a page
// subscribes, from its data if need be. Subscribing twice is subscribing
// once. A topic with no handler on the App, an invalid one, or one past
// MaxTopicsPerSession is refused and logged. Elsewhere Subscribe does
// nothing and logs a warning.
func Subscribe(ctx context.Context, topics ...string) {
	if s := scopeOf(ctx); s != nil && s.subs != nil {
		s.subs.subscribe(topics)
		return
	}
	slog.Warn("live: Subscribe outside a handler, push callback or connect hook does nothing", "topics", topics)
}

// Unsubscribe ends the subscriptions of the session a handler, a push
// callback or a connect hook runs for to topics. A push already waiting
// for the session still runs.
func Unsubscribe(ctx context.Context, topics ...string) {
	if s := scopeOf(ctx); s != nil && s.subs != nil {
		s.subs.unsubscribe(topics)
	}
}

// Subscriptions returns the topics the session a handler, a push callback
// or a connect hook runs for is subscribed to, sorted; nil elsewhere.
func Subscriptions(ctx context.Context) []string {
	if s := scopeOf(ctx); s != nil && s.subs != nil {
		return s.subs.list()
	}
	return nil
}

// Topic returns the topic a TopicFunc runs for: the published name, not
// the pattern it matched. It is "" in any other callback.
func Topic(ctx context.Context) string {
	if s := scopeOf(ctx); s != nil {
		return s.topic
	}
	return ""
}
