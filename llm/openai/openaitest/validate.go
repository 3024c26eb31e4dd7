package openaitest

import (
	"bytes"
	"encoding/json"
)

// required holds the parameters of a request body that the API cannot do
// without. They stay raw so that an absent parameter can be told from an
// empty or a mistyped one.
type required struct {
	Model    json.RawMessage `json:"model"`
	Messages json.RawMessage `json:"messages"` // chat
	Prompt   json.RawMessage `json:"prompt"`   // legacy completions; a prompt template on /responses
	Input    json.RawMessage `json:"input"`    // embeddings, responses

	// Either of these lets a Responses request go without input.
	PreviousResponseID json.RawMessage `json:"previous_response_id"`
	Conversation       json.RawMessage `json:"conversation"`
}

// checkRequired returns the 400 error the API gives a body sent to ep that
// lacks a required parameter or has one of the wrong JSON type, or nil when
// the body has what ep needs. body must be valid JSON; a body that is not
// an object lacks everything.
//
// The messages follow the API's: "Missing required parameter: 'messages'."
// with code missing_required_parameter, "Invalid type for 'messages':
// expected an array, but got a string instead." with code invalid_type, and
// for a missing model its older "you must provide a model parameter", whose
// param the API leaves null; here param always names the parameter.
func checkRequired(ep endpoint, body []byte) *apiError {
	var r required
	_ = json.Unmarshal(body, &r) // only fails for a body that is not an object

	switch {
	case absent(r.Model) || bytes.Equal(r.Model, []byte(`""`)):
		return paramError("you must provide a model parameter", "model", "")
	case r.Model[0] != '"':
		return invalidType("model", "a string", r.Model)
	}
	switch ep {
	case endpointChat:
		if absent(r.Messages) {
			return missing("messages")
		}
		if r.Messages[0] != '[' {
			return invalidType("messages", "an array", r.Messages)
		}
	case endpointCompletion:
		if absent(r.Prompt) {
			return missing("prompt")
		}
	case endpointEmbedding:
		if absent(r.Input) {
			return missing("input")
		}
	case endpointResponse:
		if absent(r.Input) && absent(r.PreviousResponseID) && absent(r.Conversation) && absent(r.Prompt) {
			return missing("input")
		}
	}
	return nil
}

func absent(v json.RawMessage) bool { return len(v) == 0 || bytes.Equal(v, []byte("null")) }

func paramError(message, param, code string) *apiError {
	e := &apiError{Message: message, Type: "invalid_request_error", Param: &param}
	if code != "" {
		e.Code = &code
	}
	return e
}

func missing(param string) *apiError {
	return paramError("Missing required parameter: '"+param+"'.", param, "missing_required_parameter")
}

func invalidType(param, want string, got json.RawMessage) *apiError {
	return paramError("Invalid type for '"+param+"': expected "+want+", but got "+jsonType(got)+" instead.", param, "invalid_type")
}

// jsonType names the type of a JSON value the way the API's messages do.
func jsonType(v json.RawMessage) string {
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(v, ".eE") {
		return "a decimal"
	}
	return "an integer"
}
