package api

import "time"

// Photo uploads take memory and processor time beyond a write's: the body
// (up to photo.MaxBytes) is held while the photo waits for a turn of the
// shared decode budget and is decoded whole (up to photo.MaxDecodeBytes).
// The budget is first come, first served, so one token's burst of large
// photos (an attacker's 20 PNGs of 49 megapixels, each 0.8 s to decode)
// made every other grid worker's upload wait 26 s. Each token therefore
// has at most photoTurnsPerToken uploads under way (the phone sends its
// outbox one item at a time), and an upload waits for a decode turn at
// most photoTurnWait before it is a 503 with Retry-After.
const (
	photoTurnsPerToken = 2
	photoTurnWait      = 15 * time.Second
)
