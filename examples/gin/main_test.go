package main

import (
	"testing"

	"github.com/sessiontrace/sessiontrace/internal/chatbot/chatbottest"
)

func TestConversations(t *testing.T) {
	chatbottest.Start(t, newRouter).CheckConversations(t)
}
