import { SseParser, type SseEvent } from './sse-reader.js';

describe('SseParser', () => {
  it('parses ids, event names, multi-line data and comments across chunk boundaries', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser();
    const text =
      ': hb\n\nid: 7\nevent: message\ndata: {"a":\ndata: 1}\n\r\nevent: ready\ndata: {}\n\n';
    for (let i = 0; i < text.length; i += 5)
      parser.push(text.slice(i, i + 5), (e) => events.push(e));
    expect(events).toEqual([
      { id: '7', event: 'message', data: '{"a":\n1}' },
      { id: '7', event: 'ready', data: '{}' },
    ]);
  });
});
