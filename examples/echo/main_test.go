package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/chatbot/chatbottest"
)

func TestConversations(t *testing.T) {
	chatbottest.Start(t, newHandler).CheckConversations(t)
}

// curl -d sends application/x-www-form-urlencoded: the JSON is read anyway.
func TestFormContentTypeStillReadsJSON(t *testing.T) {
	h := chatbottest.Start(t, newHandler)
	resp, err := http.Post(h.URL+"/chat", "application/x-www-form-urlencoded", strings.NewReader(`{"message":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d", resp.StatusCode)
	}
}
