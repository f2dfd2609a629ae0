import { describe, expect, it } from 'vitest';
import { honouredStopTokens, parseWorkflowCommands } from './harness.js';

describe('honouredStopTokens', () => {
  it('names a stop-commands the runner honours, in either form, and hides what follows it', () => {
    const text = 'x ##[stop-commands]first\n::error::hidden\nfirst\n::first::\n::stop-commands::second\n::warning::hidden too';
    expect(honouredStopTokens(text)).toEqual(['first', 'second']);
    expect(parseWorkflowCommands(text)).toEqual([]);
  });

  it('a stop-commands inside a stopped block is text: only the outer token counts', () => {
    const text = '::stop-commands::outer\n::stop-commands::FORGED\n##[add-mask]x\n::outer::\n::notice::shown';
    expect(honouredStopTokens(text)).toEqual(['outer']);
    expect(parseWorkflowCommands(text).map((c) => [c.command, c.message])).toEqual([['notice', 'shown']]);
  });
});
