package witness

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Bounds on a policy file. Larger policies are rejected by ParsePolicy.
const (
	// MaxPolicySize is the largest policy file, in bytes.
	MaxPolicySize = 64 << 10
	// MaxComponents is the largest number of witnesses and groups together.
	MaxComponents = 256
)

// A Policy says which witnesses' cosignatures make a checkpoint acceptable:
// a quorum over named witnesses and groups (c2sp.org/tlog-policy, the
// format Tessera and rekor-tiles read). A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	logs       []string // vkeys of the "log" lines, verbatim
	components []component
	byName     map[string]int
	keys       []*Key
	quorum     int // index into components; -1 for "none"
}

type component struct {
	name      string
	key       *Key  // a witness; nil for a group
	threshold int   // a group: how many members must be satisfied
	members   []int // a group: indexes of earlier components
}

// ParsePolicy parses a witness policy file. Each line is one of
//
//	log <vkey> [<url>]
//	witness <name> <vkey> [<url>]
//	group <name> <all|any|N> <member>...
//	quorum <name|none>
//
// Fields are separated by spaces or tabs; "#" starts a comment that runs to
// the end of the line; blank lines are ignored. A witness key is a
// signed-note verifier key (see [ParseVerifierKey]); URLs are checked for
// syntax and otherwise ignored (they tell a log where to ask for
// cosignatures). Witness and group names share one namespace, may not be
// keywords (log, witness, group, quorum, any, all, none) and are defined
// once, before any group that names them; a group's threshold N is between
// 1 and its number of members (any = 1, all = every member). Exactly one
// quorum line names the witness or group that must be satisfied, or "none"
// (no cosignature needed). Two witness lines with the same key are an error
// (one cosignature must not count twice). "log" lines are recorded (see
// [Policy.Logs]) and not otherwise used: which logs are trusted is the
// trusted root's business.
//
// Policies larger than [MaxPolicySize] or with more than [MaxComponents]
// witnesses and groups are rejected.
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > MaxPolicySize {
		return nil, errors.New("witness: policy larger than 64 KiB")
	}
	p := &Policy{byName: map[string]int{}, quorum: -1}
	quorum := ""
	for n, line := range bytes.Split(data, []byte("\n")) {
		errf := func(format string, args ...any) error {
			return fmt.Errorf("witness: policy line %d: %s", n+1, fmt.Sprintf(format, args...))
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, errf("want log <vkey> [<url>]")
			}
			if len(f) == 3 && !validURL(f[2]) {
				return nil, errf("invalid URL %q", f[2])
			}
			p.logs = append(p.logs, f[1])
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, errf("want witness <name> <vkey> [<url>]")
			}
			if err := p.checkNewName(f[1]); err != nil {
				return nil, errf("%v", err)
			}
			k, err := ParseVerifierKey(f[2])
			if err != nil {
				return nil, errf("%v", err)
			}
			if len(f) == 4 && !validURL(f[3]) {
				return nil, errf("invalid URL %q", f[3])
			}
			for _, o := range p.keys {
				if o.name == k.name && o.hash == k.hash {
					return nil, errf("witness %q has the key of another witness line", f[1])
				}
			}
			p.keys = append(p.keys, k)
			p.add(component{name: f[1], key: k})
		case "group":
			if len(f) < 4 {
				return nil, errf("want group <name> <all|any|N> <member>...")
			}
			if err := p.checkNewName(f[1]); err != nil {
				return nil, errf("%v", err)
			}
			c := component{name: f[1]}
			seen := map[int]bool{}
			for _, m := range f[3:] {
				i, ok := p.byName[m]
				if !ok {
					return nil, errf("group %q names %q, which is not defined before it", f[1], m)
				}
				if seen[i] {
					return nil, errf("group %q names %q twice", f[1], m)
				}
				seen[i] = true
				c.members = append(c.members, i)
			}
			switch f[2] {
			case "any":
				c.threshold = 1
			case "all":
				c.threshold = len(c.members)
			default:
				t, err := strconv.Atoi(f[2])
				if err != nil || t < 1 || t > len(c.members) || f[2] != strconv.Itoa(t) {
					return nil, errf("group %q: threshold %q is not any, all or 1..%d", f[1], f[2], len(c.members))
				}
				c.threshold = t
			}
			p.add(c)
		case "quorum":
			if len(f) != 2 {
				return nil, errf("want quorum <name|none>")
			}
			if quorum != "" {
				return nil, errf("second quorum line")
			}
			quorum = f[1]
			if quorum != "none" {
				i, ok := p.byName[quorum]
				if !ok {
					return nil, errf("quorum %q is not defined before it", quorum)
				}
				p.quorum = i
			}
		default:
			return nil, errf("unknown keyword %q", f[0])
		}
		if len(p.components) > MaxComponents {
			return nil, errf("more than %d witnesses and groups", MaxComponents)
		}
	}
	if quorum == "" {
		return nil, errors.New("witness: policy has no quorum line")
	}
	return p, nil
}

func (p *Policy) checkNewName(name string) error {
	switch name {
	case "log", "witness", "group", "quorum", "any", "all", "none":
		return fmt.Errorf("keyword %q used as a name", name)
	}
	if _, dup := p.byName[name]; dup {
		return fmt.Errorf("%q defined twice", name)
	}
	return nil
}

func (p *Policy) add(c component) {
	p.byName[c.name] = len(p.components)
	p.components = append(p.components, c)
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Witnesses returns the keys of every witness the policy names, in file
// order: the keys whose cosignatures are worth checking. The slice is
// shared; callers must not modify it.
func (p *Policy) Witnesses() []*Key { return p.keys }

// Logs returns the verifier keys of the policy's "log" lines, verbatim.
func (p *Policy) Logs() []string { return p.logs }

// RequiresCosignatures reports whether the quorum is anything but "none".
func (p *Policy) RequiresCosignatures() bool { return p.quorum >= 0 }

// Satisfied reports whether the witnesses for which verified returns true
// satisfy the quorum. verified is called at most once per witness of the
// policy, with that witness's key; it should say whether the checkpoint
// carries a verified cosignature from that key. The work is linear in the
// size of the policy.
func (p *Policy) Satisfied(verified func(*Key) bool) bool {
	if p.quorum < 0 {
		return true
	}
	// Components are defined before use, so one pass in file order
	// evaluates every member before the groups that name it.
	ok := make([]bool, p.quorum+1)
	for i, c := range p.components[:p.quorum+1] {
		if c.key != nil {
			ok[i] = verified(c.key)
			continue
		}
		n := 0
		for _, m := range c.members {
			if ok[m] {
				n++
			}
		}
		ok[i] = n >= c.threshold
	}
	return ok[p.quorum]
}
