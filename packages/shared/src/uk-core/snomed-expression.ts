// SNOMED CT post-coordinated expressions, which FHIR allows as a code in http://snomed.info/sct
// ("71620000 |Fracture of femur| : 363698007 = 71341001"). A recursive-descent parser of the
// Compositional Grammar's brief syntax (SNOMED International, Compositional Grammar Specification
// 2.3.x, section 5): an expression is valid only if it parses whole, and every concept id in it is
// then checked by the caller. A lexical check ("digits and a colon") took garbage such as
// "73211009=Mr Smith" for an expression.

const DIGITS = /\d/;

class Parser {
  readonly ids: string[] = [];
  readonly text: string;
  at = 0;

  constructor(text: string) {
    this.text = text;
  }

  ws(): void {
    while (this.at < this.text.length && ' \t\r\n'.includes(this.text[this.at]!)) this.at++;
  }

  eat(token: string): boolean {
    this.ws();
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }

  /** conceptReference = conceptId [ws "|" term "|"] */
  conceptReference(): boolean {
    this.ws();
    const start = this.at;
    while (this.at < this.text.length && DIGITS.test(this.text[this.at]!)) this.at++;
    if (this.at === start) return false;
    this.ids.push(this.text.slice(start, this.at));
    if (this.eat('|')) {
      const end = this.text.indexOf('|', this.at);
      if (end === -1 || this.text.slice(this.at, end).trim() === '') return false;
      this.at = end + 1;
    }
    return true;
  }

  /** subExpression = focusConcept [":" refinement] */
  subExpression(): boolean {
    if (!this.conceptReference()) return false;
    while (this.eat('+')) if (!this.conceptReference()) return false;
    return this.eat(':') ? this.refinement() : true;
  }

  /** refinement = (attributeSet / attributeGroup) *([","] attributeGroup) */
  refinement(): boolean {
    this.ws();
    if (!(this.text[this.at] === '{' ? this.attributeGroup() : this.attributeSet())) return false;
    for (;;) {
      const before = this.at;
      this.eat(',');
      this.ws();
      if (this.text[this.at] !== '{') {
        this.at = before;
        return true;
      }
      if (!this.attributeGroup()) return false;
    }
  }

  attributeGroup(): boolean {
    return this.eat('{') && this.attributeSet() && this.eat('}');
  }

  /** attributeSet = attribute *("," attribute); a "," before "{" belongs to the refinement. */
  attributeSet(): boolean {
    if (!this.attribute()) return false;
    for (;;) {
      const before = this.at;
      if (!this.eat(',')) return true;
      this.ws();
      if (this.text[this.at] === '{') {
        this.at = before;
        return true;
      }
      if (!this.attribute()) return false;
    }
  }

  /** attribute = conceptReference "=" (conceptReference / "(" subExpression ")" / "#" number / '"' string '"' / true / false) */
  attribute(): boolean {
    if (!this.conceptReference() || !this.eat('=')) return false;
    this.ws();
    const rest = this.text.slice(this.at);
    if (this.eat('(')) return this.subExpression() && this.eat(')');
    const number = /^#[-+]?\d+(\.\d+)?/.exec(rest);
    if (number) {
      this.at += number[0].length;
      return true;
    }
    const string = /^"(?:[^"\\]|\\.)*"/.exec(rest);
    if (string) {
      this.at += string[0].length;
      return true;
    }
    const boolean = /^(true|false)\b/.exec(rest);
    if (boolean) {
      this.at += boolean[0].length;
      return true;
    }
    return this.conceptReference();
  }

  /** expression = [definitionStatus] subExpression, and nothing after it */
  expression(): boolean {
    if (!this.eat('===')) this.eat('<<<');
    if (!this.subExpression()) return false;
    this.ws();
    return this.at === this.text.length;
  }
}

/** The concept ids of a SNOMED CT expression in brief syntax, or null when the text is not one. */
export function snomedExpressionIds(text: string): string[] | null {
  const p = new Parser(text);
  return p.expression() ? p.ids : null;
}
