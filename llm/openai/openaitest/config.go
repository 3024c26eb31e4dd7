package openaitest

// Option configures a Server.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	responder func(Request) Reply
	noRecord  bool
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithResponder sets the responder from the start, as Server.SetResponder
// does later. A nil f keeps DefaultResponder.
func WithResponder(f func(Request) Reply) Option {
	return optionFunc(func(c *config) { c.responder = f })
}

// WithoutRecording stops the server from keeping the requests it receives,
// so that a benchmark or a long load test does not grow memory with every
// request; Server.Requests then returns nil.
func WithoutRecording() Option {
	return optionFunc(func(c *config) { c.noRecord = true })
}
