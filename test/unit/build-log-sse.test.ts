import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSse, formatSseComment, SseParser, splitLines } from '../../src/domain/sse.js';

test('formatSse puts each line of the data on a data: line and ends with a blank line', () => {
  assert.equal(formatSse('one'), 'data: one\n\n');
  assert.equal(formatSse('one\ntwo'), 'data: one\ndata: two\n\n');
  assert.equal(formatSse('a\r\nb\rc', 'log'), 'event: log\ndata: a\ndata: b\ndata: c\n\n');
  assert.equal(formatSse(''), 'data: \n\n');
  assert.equal(formatSseComment('queued\nat 2'), ': queued at 2\n\n');
});

test('SseParser reads what formatSse writes, however the text is split', () => {
  const stream = formatSseComment('hello') + formatSse('line 1\nline 2') + formatSse('{"status":"succeeded"}', 'end');
  for (const size of [1, 2, 5, 1000]) {
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < stream.length; i += size) events.push(...parser.push(stream.slice(i, i + size)));
    assert.deepEqual(events, [
      { event: 'message', data: 'line 1\nline 2' },
      { event: 'end', data: '{"status":"succeeded"}' },
    ], `chunks of ${size}`);
  }
});

test('SseParser handles CRLF line ends and fields without a space', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('event:end\r\ndata:x\r'), []);
  assert.deepEqual(parser.push('\n\r\n'), [{ event: 'end', data: 'x' }]);
});

test('splitLines gives whole lines and keeps the unfinished rest', () => {
  assert.deepEqual(splitLines('', 'abc'), { lines: undefined, rest: 'abc' });
  assert.deepEqual(splitLines('ab', 'c\nde'), { lines: 'abc', rest: 'de' });
  assert.deepEqual(splitLines('', 'a\nb\n'), { lines: 'a\nb', rest: '' });
  assert.deepEqual(splitLines('', 'a\r'), { lines: undefined, rest: 'a\r' }, 'a CR at the end may be half a CRLF');
  assert.deepEqual(splitLines('a\r', '\nb'), { lines: 'a', rest: 'b' });
  assert.deepEqual(splitLines('', '\n'), { lines: '', rest: '' }, 'an empty line is a line');
  assert.deepEqual(splitLines('', 'a\r\rb'), { lines: 'a\r', rest: 'b' }, 'two lone CRs are two line ends');
});
