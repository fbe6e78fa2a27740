package evidence

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RunCheckpointer issues and watches the log's checkpoints every interval
// until ctx is done (kyso serve runs it). Each round it catches up with
// the stored log, checking what other processes appended against their
// signed checkpoint; signs a checkpoint when the log has none of its size
// (a new, empty log: every appending transaction signs its own); checks
// that the latest checkpoint extends the one of the previous round
// (consistency proof), so a log truncated or rewritten together with its
// checkpoints is noticed while the process runs; and hands each new
// checkpoint to publish, which may be nil — e.g. to keep it outside the
// database, where Verify can be given it as trusted, or to send it to
// witnesses.
//
// A failed round is logged (tampering at level Error) and retried next
// round; RunCheckpointer returns nil when ctx is done, or at once an error
// when it cannot run.
func (l *Log) RunCheckpointer(ctx context.Context, interval time.Duration, publish func(context.Context, Checkpoint) error) error {
	if interval <= 0 {
		return fmt.Errorf("evidence log checkpointer: interval %s, want > 0", interval)
	}
	if l.signer == nil {
		return errors.New("evidence log checkpointer: no signer key")
	}
	var last *Checkpoint
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		cp, err := l.checkpointRound(ctx, last)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrTampered):
			l.logger.Error("evidence log checkpointer: log tampered", "err", err)
		case err != nil:
			l.logger.Warn("evidence log checkpointer: round failed", "err", err)
		case last == nil || cp.Size != last.Size:
			if publish != nil {
				if err := publish(ctx, cp); err != nil {
					l.logger.Warn("evidence log checkpointer: publishing failed", "size", cp.Size, "err", err)
					break // publish it again next round
				}
			}
			l.logger.Debug("evidence log checkpoint", "size", cp.Size)
			last = &cp
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// checkpointRound returns the latest checkpoint, signing one if the log
// has none, after checking that it extends last.
func (l *Log) checkpointRound(ctx context.Context, last *Checkpoint) (Checkpoint, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil || last == nil {
		return cp, err
	}
	switch {
	case cp.Size < last.Size:
		return cp, fmt.Errorf("%w: the latest checkpoint covers %d entries, one of %d was seen before (log truncated?)", ErrTampered, cp.Size, last.Size)
	case cp.Size == last.Size:
		if cp.Root != last.Root {
			return cp, fmt.Errorf("%w: the checkpoint of size %d changed its root", ErrTampered, cp.Size)
		}
		return cp, nil
	}
	p, err := l.ConsistencyProof(ctx, last.Size, cp.Size)
	if err != nil {
		return cp, err
	}
	if err := VerifyConsistency(*last, cp, p); err != nil {
		return cp, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	return cp, nil
}
