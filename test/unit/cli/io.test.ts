import { describe, expect, it } from 'vitest';
import { processIO } from '../../../cli/io.js';

// Where the commands write: a live line and colours only on a terminal that can show them.

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, columns: 132, write: (text: string) => written.push(text) };
}

describe('the process streams', () => {
  it('on a terminal: the live line is redrawn in place, and ended before the next line', () => {
    const stdout = stream(true);
    const io = processIO(stdout, stream(false), {});

    io.live('resume 1/2');
    io.live('resume 2/2');
    io.out('done');

    expect(io.style).toEqual({ tty: true, colour: true, columns: 132 });
    expect(stdout.written.join('')).toBe('\r\u001b[2Kresume 1/2\r\u001b[2Kresume 2/2\ndone\n');
  });

  it('in a pipe: no live line, no colour', () => {
    expect(processIO(stream(false), stream(false), {}).style).toMatchObject({
      tty: false,
      colour: false,
    });
  });

  it('honours NO_COLOR (the bar stays) and TERM=dumb (neither)', () => {
    expect(processIO(stream(true), stream(false), { NO_COLOR: '1' }).style).toMatchObject({
      tty: true,
      colour: false,
    });
    expect(processIO(stream(true), stream(false), { TERM: 'dumb' }).style).toMatchObject({
      tty: false,
      colour: false,
    });
  });
});
