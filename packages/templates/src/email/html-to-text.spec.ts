import { htmlToText } from './html-to-text.js';

describe('htmlToText', () => {
  test('blocks become paragraphs, links keep their target, entities decode', () => {
    const html =
      '<html><head><title>x</title><style>p{color:red}</style></head><body>' +
      '<h1>Order&nbsp;#42</h1><p>Hi <b>Ann</b> &amp; co,<br>thanks.</p>' +
      '<ul><li>Book &lt;1&gt;</li><li>Pen</li></ul>' +
      '<p><a href="https://shop.test/o/42?a=1&amp;b=2">Your order</a> · <a href="https://x.test">https://x.test</a></p>' +
      '<!-- tracking --><img src="p.gif" alt="logo"><script>alert(1)</script></body></html>';
    expect(htmlToText(html)).toBe(
      'Order #42\n\nHi Ann & co,\nthanks.\n\n- Book <1>\n- Pen\n\nYour order (https://shop.test/o/42?a=1&b=2) · https://x.test\n\nlogo',
    );
  });

  test('declarations are dropped, tags are case-insensitive, a lone < is text', () => {
    expect(
      htmlToText(
        '<!DOCTYPE html><HTML><HEAD><TITLE>t</TITLE></HEAD><BODY><P>3 < 4 &lt; 5</P><BR/>end</BODY></HTML>',
      ),
    ).toBe('3 < 4 < 5\n\nend');
  });

  test('table cells are separated and whitespace collapses', () => {
    expect(htmlToText('<table><tr><td>Total</td><td>  €12.50 </td></tr></table>')).toBe(
      'Total €12.50',
    );
  });
});
