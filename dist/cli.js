#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 3430:
/***/ ((module) => {



// do not edit .js files directly - edit src/index.jst



module.exports = function equal(a, b) {
  if (a === b) return true;

  if (a && b && typeof a == 'object' && typeof b == 'object') {
    if (a.constructor !== b.constructor) return false;

    var length, i, keys;
    if (Array.isArray(a)) {
      length = a.length;
      if (length != b.length) return false;
      for (i = length; i-- !== 0;)
        if (!equal(a[i], b[i])) return false;
      return true;
    }



    if (a.constructor === RegExp) return a.source === b.source && a.flags === b.flags;
    if (a.valueOf !== Object.prototype.valueOf) return a.valueOf() === b.valueOf();
    if (a.toString !== Object.prototype.toString) return a.toString() === b.toString();

    keys = Object.keys(a);
    length = keys.length;
    if (length !== Object.keys(b).length) return false;

    for (i = length; i-- !== 0;)
      if (!Object.prototype.hasOwnProperty.call(b, keys[i])) return false;

    for (i = length; i-- !== 0;) {
      var key = keys[i];

      if (!equal(a[key], b[key])) return false;
    }

    return true;
  }

  // true if both NaN, false otherwise
  return a!==a && b!==b;
};


/***/ }),

/***/ 4006:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const pico = __nccwpck_require__(8016);
const utils = __nccwpck_require__(4059);

function picomatch(glob, options, returnState = false) {
  // default to os.platform()
  if (options && (options.windows === null || options.windows === undefined)) {
    // don't mutate the original options object
    options = { ...options, windows: utils.isWindows() };
  }

  return pico(glob, options, returnState);
}

Object.assign(picomatch, pico);
module.exports = picomatch;


/***/ }),

/***/ 5595:
/***/ ((module) => {



const WIN_SLASH = '\\\\/';
const WIN_NO_SLASH = `[^${WIN_SLASH}]`;

const DEFAULT_MAX_EXTGLOB_RECURSION = 0;

/**
 * Posix glob regex
 */

const DOT_LITERAL = '\\.';
const PLUS_LITERAL = '\\+';
const QMARK_LITERAL = '\\?';
const SLASH_LITERAL = '\\/';
const ONE_CHAR = '(?=.)';
const QMARK = '[^/]';
const END_ANCHOR = `(?:${SLASH_LITERAL}|$)`;
const START_ANCHOR = `(?:^|${SLASH_LITERAL})`;
const DOTS_SLASH = `${DOT_LITERAL}{1,2}${END_ANCHOR}`;
const NO_DOT = `(?!${DOT_LITERAL})`;
const NO_DOTS = `(?!${START_ANCHOR}${DOTS_SLASH})`;
const NO_DOT_SLASH = `(?!${DOT_LITERAL}{0,1}${END_ANCHOR})`;
const NO_DOTS_SLASH = `(?!${DOTS_SLASH})`;
const QMARK_NO_DOT = `[^.${SLASH_LITERAL}]`;
const STAR = `${QMARK}*?`;
const SEP = '/';

const POSIX_CHARS = {
  DOT_LITERAL,
  PLUS_LITERAL,
  QMARK_LITERAL,
  SLASH_LITERAL,
  ONE_CHAR,
  QMARK,
  END_ANCHOR,
  DOTS_SLASH,
  NO_DOT,
  NO_DOTS,
  NO_DOT_SLASH,
  NO_DOTS_SLASH,
  QMARK_NO_DOT,
  STAR,
  START_ANCHOR,
  SEP
};

/**
 * Windows glob regex
 */

const WINDOWS_CHARS = {
  ...POSIX_CHARS,

  SLASH_LITERAL: `[${WIN_SLASH}]`,
  QMARK: WIN_NO_SLASH,
  STAR: `${WIN_NO_SLASH}*?`,
  DOTS_SLASH: `${DOT_LITERAL}{1,2}(?:[${WIN_SLASH}]|$)`,
  NO_DOT: `(?!${DOT_LITERAL})`,
  NO_DOTS: `(?!(?:^|[${WIN_SLASH}])${DOT_LITERAL}{1,2}(?:[${WIN_SLASH}]|$))`,
  NO_DOT_SLASH: `(?!${DOT_LITERAL}{0,1}(?:[${WIN_SLASH}]|$))`,
  NO_DOTS_SLASH: `(?!${DOT_LITERAL}{1,2}(?:[${WIN_SLASH}]|$))`,
  QMARK_NO_DOT: `[^.${WIN_SLASH}]`,
  START_ANCHOR: `(?:^|[${WIN_SLASH}])`,
  END_ANCHOR: `(?:[${WIN_SLASH}]|$)`,
  SEP: '\\'
};

/**
 * POSIX Bracket Regex
 */

const POSIX_REGEX_SOURCE = {
  __proto__: null,
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '\\x21-\\x7E',
  lower: 'a-z',
  print: '\\x20-\\x7E ',
  punct: '\\-!"#$%&\'()\\*+,./:;<=>?@[\\]^_`{|}~',
  space: ' \\t\\r\\n\\v\\f',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: 'A-Fa-f0-9'
};

module.exports = {
  DEFAULT_MAX_EXTGLOB_RECURSION,
  MAX_LENGTH: 1024 * 64,
  POSIX_REGEX_SOURCE,

  // regular expressions
  REGEX_BACKSLASH: /\\(?![*+?^${}(|)[\]])/g,
  REGEX_NON_SPECIAL_CHARS: /^[^@![\].,$*+?^{}()|\\/]+/,
  REGEX_SPECIAL_CHARS: /[-*+?.^${}(|)[\]]/,
  REGEX_SPECIAL_CHARS_BACKREF: /(\\?)((\W)(\3*))/g,
  REGEX_SPECIAL_CHARS_GLOBAL: /([-*+?.^${}(|)[\]])/g,
  REGEX_REMOVE_BACKSLASH: /(?:\[.*?[^\\]\]|\\(?=.))/g,

  // Replace globs with equivalent patterns to reduce parsing time.
  REPLACEMENTS: {
    __proto__: null,
    '***': '*',
    '**/**': '**',
    '**/**/**': '**'
  },

  // Digits
  CHAR_0: 48, /* 0 */
  CHAR_9: 57, /* 9 */

  // Alphabet chars.
  CHAR_UPPERCASE_A: 65, /* A */
  CHAR_LOWERCASE_A: 97, /* a */
  CHAR_UPPERCASE_Z: 90, /* Z */
  CHAR_LOWERCASE_Z: 122, /* z */

  CHAR_LEFT_PARENTHESES: 40, /* ( */
  CHAR_RIGHT_PARENTHESES: 41, /* ) */

  CHAR_ASTERISK: 42, /* * */

  // Non-alphabetic chars.
  CHAR_AMPERSAND: 38, /* & */
  CHAR_AT: 64, /* @ */
  CHAR_BACKWARD_SLASH: 92, /* \ */
  CHAR_CARRIAGE_RETURN: 13, /* \r */
  CHAR_CIRCUMFLEX_ACCENT: 94, /* ^ */
  CHAR_COLON: 58, /* : */
  CHAR_COMMA: 44, /* , */
  CHAR_DOT: 46, /* . */
  CHAR_DOUBLE_QUOTE: 34, /* " */
  CHAR_EQUAL: 61, /* = */
  CHAR_EXCLAMATION_MARK: 33, /* ! */
  CHAR_FORM_FEED: 12, /* \f */
  CHAR_FORWARD_SLASH: 47, /* / */
  CHAR_GRAVE_ACCENT: 96, /* ` */
  CHAR_HASH: 35, /* # */
  CHAR_HYPHEN_MINUS: 45, /* - */
  CHAR_LEFT_ANGLE_BRACKET: 60, /* < */
  CHAR_LEFT_CURLY_BRACE: 123, /* { */
  CHAR_LEFT_SQUARE_BRACKET: 91, /* [ */
  CHAR_LINE_FEED: 10, /* \n */
  CHAR_NO_BREAK_SPACE: 160, /* \u00A0 */
  CHAR_PERCENT: 37, /* % */
  CHAR_PLUS: 43, /* + */
  CHAR_QUESTION_MARK: 63, /* ? */
  CHAR_RIGHT_ANGLE_BRACKET: 62, /* > */
  CHAR_RIGHT_CURLY_BRACE: 125, /* } */
  CHAR_RIGHT_SQUARE_BRACKET: 93, /* ] */
  CHAR_SEMICOLON: 59, /* ; */
  CHAR_SINGLE_QUOTE: 39, /* ' */
  CHAR_SPACE: 32, /*   */
  CHAR_TAB: 9, /* \t */
  CHAR_UNDERSCORE: 95, /* _ */
  CHAR_VERTICAL_LINE: 124, /* | */
  CHAR_ZERO_WIDTH_NOBREAK_SPACE: 65279, /* \uFEFF */

  /**
   * Create EXTGLOB_CHARS
   */

  extglobChars(chars) {
    return {
      '!': { type: 'negate', open: '(?:(?!(?:', close: `))${chars.STAR})` },
      '?': { type: 'qmark', open: '(?:', close: ')?' },
      '+': { type: 'plus', open: '(?:', close: ')+' },
      '*': { type: 'star', open: '(?:', close: ')*' },
      '@': { type: 'at', open: '(?:', close: ')' }
    };
  },

  /**
   * Create GLOB_CHARS
   */

  globChars(win32) {
    return win32 === true ? WINDOWS_CHARS : POSIX_CHARS;
  }
};


/***/ }),

/***/ 8265:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const constants = __nccwpck_require__(5595);
const utils = __nccwpck_require__(4059);

/**
 * Constants
 */

const {
  MAX_LENGTH,
  POSIX_REGEX_SOURCE,
  REGEX_NON_SPECIAL_CHARS,
  REGEX_SPECIAL_CHARS_BACKREF,
  REPLACEMENTS
} = constants;

/**
 * Helpers
 */

const expandRange = (args, options) => {
  if (typeof options.expandRange === 'function') {
    return options.expandRange(...args, options);
  }

  args.sort();
  const value = `[${args.join('-')}]`;

  try {
    /* eslint-disable-next-line no-new */
    new RegExp(value);
  } catch (ex) {
    return args.map(v => utils.escapeRegex(v)).join('..');
  }

  return value;
};

/**
 * Create the message for a syntax error
 */

const syntaxError = (type, char) => {
  return `Missing ${type}: "${char}" - use "\\\\${char}" to match literal characters`;
};

const splitTopLevel = input => {
  const parts = [];
  let bracket = 0;
  let paren = 0;
  let quote = 0;
  let value = '';
  let escaped = false;

  for (const ch of input) {
    if (escaped === true) {
      value += ch;
      escaped = false;
      continue;
    }

    if (ch === '\\') {
      value += ch;
      escaped = true;
      continue;
    }

    if (ch === '"') {
      quote = quote === 1 ? 0 : 1;
      value += ch;
      continue;
    }

    if (quote === 0) {
      if (ch === '[') {
        bracket++;
      } else if (ch === ']' && bracket > 0) {
        bracket--;
      } else if (bracket === 0) {
        if (ch === '(') {
          paren++;
        } else if (ch === ')' && paren > 0) {
          paren--;
        } else if (ch === '|' && paren === 0) {
          parts.push(value);
          value = '';
          continue;
        }
      }
    }

    value += ch;
  }

  parts.push(value);
  return parts;
};

const isPlainBranch = branch => {
  let escaped = false;

  for (const ch of branch) {
    if (escaped === true) {
      escaped = false;
      continue;
    }

    if (ch === '\\') {
      escaped = true;
      continue;
    }

    if (/[?*+@!()[\]{}]/.test(ch)) {
      return false;
    }
  }

  return true;
};

const normalizeSimpleBranch = branch => {
  let value = branch.trim();
  let changed = true;

  while (changed === true) {
    changed = false;

    if (/^@\([^\\()[\]{}|]+\)$/.test(value)) {
      value = value.slice(2, -1);
      changed = true;
    }
  }

  if (!isPlainBranch(value)) {
    return;
  }

  return value.replace(/\\(.)/g, '$1');
};

const hasRepeatedCharPrefixOverlap = branches => {
  const values = branches.map(normalizeSimpleBranch).filter(Boolean);

  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      const a = values[i];
      const b = values[j];
      const char = a[0];

      if (!char || a !== char.repeat(a.length) || b !== char.repeat(b.length)) {
        continue;
      }

      if (a === b || a.startsWith(b) || b.startsWith(a)) {
        return true;
      }
    }
  }

  return false;
};

const parseRepeatedExtglob = (pattern, requireEnd = true) => {
  if ((pattern[0] !== '+' && pattern[0] !== '*') || pattern[1] !== '(') {
    return;
  }

  let bracket = 0;
  let paren = 0;
  let quote = 0;
  let escaped = false;

  for (let i = 1; i < pattern.length; i++) {
    const ch = pattern[i];

    if (escaped === true) {
      escaped = false;
      continue;
    }

    if (ch === '\\') {
      escaped = true;
      continue;
    }

    if (ch === '"') {
      quote = quote === 1 ? 0 : 1;
      continue;
    }

    if (quote === 1) {
      continue;
    }

    if (ch === '[') {
      bracket++;
      continue;
    }

    if (ch === ']' && bracket > 0) {
      bracket--;
      continue;
    }

    if (bracket > 0) {
      continue;
    }

    if (ch === '(') {
      paren++;
      continue;
    }

    if (ch === ')') {
      paren--;

      if (paren === 0) {
        if (requireEnd === true && i !== pattern.length - 1) {
          return;
        }

        return {
          type: pattern[0],
          body: pattern.slice(2, i),
          end: i
        };
      }
    }
  }
};

const buildCharClassStar = chars => {
  const source = chars.length === 1
    ? utils.escapeRegex(chars[0])
    : `[${chars.map(ch => utils.escapeRegex(ch)).join('')}]`;

  return `${source}*`;
};

const getStarExtglobSequenceChars = pattern => {
  let index = 0;
  const chars = [];

  while (index < pattern.length) {
    const match = parseRepeatedExtglob(pattern.slice(index), false);

    if (!match || match.type !== '*') {
      return;
    }

    const branches = splitTopLevel(match.body).map(branch => branch.trim());
    if (branches.length !== 1) {
      return;
    }

    const branch = normalizeSimpleBranch(branches[0]);
    if (!branch || branch.length !== 1) {
      return;
    }

    chars.push(branch);
    index += match.end + 1;
  }

  if (chars.length < 1) {
    return;
  }

  return chars;
};

const repeatedExtglobRecursion = pattern => {
  let depth = 0;
  let value = pattern.trim();
  let match = parseRepeatedExtglob(value);

  while (match) {
    depth++;
    value = match.body.trim();
    match = parseRepeatedExtglob(value);
  }

  return depth;
};

const analyzeRepeatedExtglob = (body, options) => {
  if (options.maxExtglobRecursion === false) {
    return { risky: false };
  }

  const max =
    typeof options.maxExtglobRecursion === 'number'
      ? options.maxExtglobRecursion
      : constants.DEFAULT_MAX_EXTGLOB_RECURSION;

  const branches = splitTopLevel(body).map(branch => branch.trim());

  if (branches.length > 1) {
    if (
      branches.some(branch => branch === '') ||
      branches.some(branch => /^[*?]+$/.test(branch)) ||
      hasRepeatedCharPrefixOverlap(branches)
    ) {
      return { risky: true };
    }
  }

  // A repeated extglob is "risky" (prone to catastrophic backtracking) when a
  // branch is itself a `*(...)` sequence, since that nests an unbounded quantifier
  // inside the outer `+(...)`/`*(...)`. When *every* branch reduces to single
  // characters we can emit one flat, ReDoS-safe character class that preserves the
  // meaning of ALL branches (e.g. `+(*(a)|*(b))` -> `[ab]*`), rather than dropping
  // every branch but the first.
  const safeChars = [];
  let sawStarSequence = false;
  let combinable = true;

  for (const branch of branches) {
    const chars = getStarExtglobSequenceChars(branch);
    if (chars) {
      sawStarSequence = true;
      safeChars.push(...chars);
      continue;
    }

    const literal = normalizeSimpleBranch(branch);
    if (literal && literal.length === 1) {
      safeChars.push(literal);
      continue;
    }

    combinable = false;

    if (repeatedExtglobRecursion(branch) > max) {
      return { risky: true };
    }
  }

  if (sawStarSequence) {
    return combinable
      ? { risky: true, safeOutput: buildCharClassStar([...new Set(safeChars)]) }
      : { risky: true };
  }

  return { risky: false };
};

/**
 * Parse the given input string.
 * @param {String} input
 * @param {Object} options
 * @return {Object}
 */

const parse = (input, options) => {
  if (typeof input !== 'string') {
    throw new TypeError('Expected a string');
  }

  input = REPLACEMENTS[input] || input;

  const opts = { ...options };
  const max = typeof opts.maxLength === 'number' ? Math.min(MAX_LENGTH, opts.maxLength) : MAX_LENGTH;

  let len = input.length;
  if (len > max) {
    throw new SyntaxError(`Input length: ${len}, exceeds maximum allowed length: ${max}`);
  }

  const bos = { type: 'bos', value: '', output: opts.prepend || '' };
  const tokens = [bos];

  const capture = opts.capture ? '' : '?:';

  // create constants based on platform, for windows or posix
  const PLATFORM_CHARS = constants.globChars(opts.windows);
  const EXTGLOB_CHARS = constants.extglobChars(PLATFORM_CHARS);

  const {
    DOT_LITERAL,
    PLUS_LITERAL,
    SLASH_LITERAL,
    ONE_CHAR,
    DOTS_SLASH,
    NO_DOT,
    NO_DOT_SLASH,
    NO_DOTS_SLASH,
    QMARK,
    QMARK_NO_DOT,
    STAR,
    START_ANCHOR
  } = PLATFORM_CHARS;

  const globstar = opts => {
    return `(${capture}(?:(?!${START_ANCHOR}${opts.dot ? DOTS_SLASH : DOT_LITERAL}).)*?)`;
  };

  const nodot = opts.dot ? '' : NO_DOT;
  const qmarkNoDot = opts.dot ? QMARK : QMARK_NO_DOT;
  let star = opts.bash === true ? globstar(opts) : STAR;

  if (opts.capture) {
    star = `(${star})`;
  }

  // minimatch options support
  if (typeof opts.noext === 'boolean') {
    opts.noextglob = opts.noext;
  }

  const state = {
    input,
    index: -1,
    start: 0,
    dot: opts.dot === true,
    consumed: '',
    output: '',
    prefix: '',
    backtrack: false,
    negated: false,
    brackets: 0,
    braces: 0,
    parens: 0,
    quotes: 0,
    globstar: false,
    tokens
  };

  input = utils.removePrefix(input, state);
  len = input.length;

  const extglobs = [];
  const braces = [];
  const stack = [];
  let prev = bos;
  let value;

  /**
   * Tokenizing helpers
   */

  const eos = () => state.index === len - 1;
  const peek = state.peek = (n = 1) => input[state.index + n];
  const advance = state.advance = () => input[++state.index] || '';
  const remaining = () => input.slice(state.index + 1);
  const consume = (value = '', num = 0) => {
    state.consumed += value;
    state.index += num;
  };

  const append = token => {
    state.output += token.output != null ? token.output : token.value;
    consume(token.value);
  };

  const negate = () => {
    let count = 1;

    while (peek() === '!' && (peek(2) !== '(' || peek(3) === '?')) {
      advance();
      state.start++;
      count++;
    }

    if (count % 2 === 0) {
      return false;
    }

    state.negated = true;
    state.start++;
    return true;
  };

  const increment = type => {
    state[type]++;
    stack.push(type);
  };

  const decrement = type => {
    state[type]--;
    stack.pop();
  };

  /**
   * Push tokens onto the tokens array. This helper speeds up
   * tokenizing by 1) helping us avoid backtracking as much as possible,
   * and 2) helping us avoid creating extra tokens when consecutive
   * characters are plain text. This improves performance and simplifies
   * lookbehinds.
   */

  const push = tok => {
    if (prev.type === 'globstar') {
      const isBrace = state.braces > 0 && (tok.type === 'comma' || tok.type === 'brace');
      const isExtglob = tok.extglob === true || (extglobs.length && (tok.type === 'pipe' || tok.type === 'paren'));

      if (tok.type !== 'slash' && tok.type !== 'paren' && !isBrace && !isExtglob) {
        state.output = state.output.slice(0, -prev.output.length);
        prev.type = 'star';
        prev.value = '*';
        prev.output = star;
        state.output += prev.output;
      }
    }

    if (extglobs.length && tok.type !== 'paren') {
      extglobs[extglobs.length - 1].inner += tok.value;
    }

    if (tok.value || tok.output) append(tok);
    if (prev && prev.type === 'text' && tok.type === 'text') {
      prev.output = (prev.output || prev.value) + tok.value;
      prev.value += tok.value;
      return;
    }

    tok.prev = prev;
    tokens.push(tok);
    prev = tok;
  };

  const extglobOpen = (type, value) => {
    const token = { ...EXTGLOB_CHARS[value], conditions: 1, inner: '' };

    token.prev = prev;
    token.parens = state.parens;
    token.output = state.output;
    token.startIndex = state.index;
    token.tokensIndex = tokens.length;
    const output = (opts.capture ? '(' : '') + token.open;

    increment('parens');
    push({ type, value, output: state.output ? '' : ONE_CHAR });
    push({ type: 'paren', extglob: true, value: advance(), output });
    extglobs.push(token);
  };

  const extglobClose = token => {
    const literal = input.slice(token.startIndex, state.index + 1);
    const body = input.slice(token.startIndex + 2, state.index);
    const analysis = analyzeRepeatedExtglob(body, opts);

    if ((token.type === 'plus' || token.type === 'star') && analysis.risky) {
      const safeOutput = analysis.safeOutput
        ? (token.output ? '' : ONE_CHAR) + (opts.capture ? `(${analysis.safeOutput})` : analysis.safeOutput)
        : undefined;
      const open = tokens[token.tokensIndex];

      open.type = 'text';
      open.value = literal;
      open.output = safeOutput || utils.escapeRegex(literal);

      for (let i = token.tokensIndex + 1; i < tokens.length; i++) {
        tokens[i].value = '';
        tokens[i].output = '';
        delete tokens[i].suffix;
      }

      state.output = token.output + open.output;
      state.backtrack = true;

      push({ type: 'paren', extglob: true, value, output: '' });
      decrement('parens');
      return;
    }

    let output = token.close + (opts.capture ? ')' : '');
    let rest;

    if (token.type === 'negate') {
      let extglobStar = star;

      if (token.inner && token.inner.length > 1 && token.inner.includes('/')) {
        extglobStar = globstar(opts);
      }

      if (extglobStar !== star || eos() || /^\)+$/.test(remaining())) {
        output = token.close = `)$))${extglobStar}`;
      }

      if (token.inner.includes('*') && (rest = remaining()) && /^\.[^\\/.]+$/.test(rest)) {
        // Any non-magical string (`.ts`) or even nested expression (`.{ts,tsx}`) can follow after the closing parenthesis.
        // In this case, we need to parse the string and use it in the output of the original pattern.
        // Suitable patterns: `/!(*.d).ts`, `/!(*.d).{ts,tsx}`, `**/!(*-dbg).@(js)`.
        //
        // Disabling the `fastpaths` option due to a problem with parsing strings as `.ts` in the pattern like `**/!(*.d).ts`.
        const expression = parse(rest, { ...options, fastpaths: false }).output;

        output = token.close = `)${expression})${extglobStar})`;
      }

      if (token.prev.type === 'bos') {
        state.negatedExtglob = true;
      }
    }

    push({ type: 'paren', extglob: true, value, output });
    decrement('parens');
  };

  /**
   * Fast paths
   */

  if (opts.fastpaths !== false && !/(^[*!]|[/()[\]{}"])/.test(input)) {
    let backslashes = false;

    let output = input.replace(REGEX_SPECIAL_CHARS_BACKREF, (m, esc, chars, first, rest, index) => {
      if (first === '\\') {
        backslashes = true;
        return m;
      }

      if (first === '?') {
        if (esc) {
          return esc + first + (rest ? QMARK.repeat(rest.length) : '');
        }
        if (index === 0) {
          return qmarkNoDot + (rest ? QMARK.repeat(rest.length) : '');
        }
        return QMARK.repeat(chars.length);
      }

      if (first === '.') {
        return DOT_LITERAL.repeat(chars.length);
      }

      if (first === '*') {
        if (esc) {
          return esc + first + (rest ? star : '');
        }
        return star;
      }
      return esc ? m : `\\${m}`;
    });

    if (backslashes === true) {
      if (opts.unescape === true) {
        output = output.replace(/\\/g, '');
      } else {
        output = output.replace(/\\+/g, m => {
          return m.length % 2 === 0 ? '\\\\' : (m ? '\\' : '');
        });
      }
    }

    if (output === input && opts.contains === true) {
      state.output = input;
      return state;
    }

    state.output = utils.wrapOutput(output, state, options);
    return state;
  }

  /**
   * Tokenize input until we reach end-of-string
   */

  while (!eos()) {
    value = advance();

    if (value === '\u0000') {
      continue;
    }

    /**
     * Escaped characters
     */

    if (value === '\\') {
      const next = peek();

      if (next === '/' && opts.bash !== true) {
        continue;
      }

      if (next === '.' || next === ';') {
        continue;
      }

      if (!next) {
        value += '\\';
        push({ type: 'text', value });
        continue;
      }

      // collapse slashes to reduce potential for exploits
      const match = /^\\+/.exec(remaining());
      let slashes = 0;

      if (match && match[0].length > 2) {
        slashes = match[0].length;
        state.index += slashes;
        if (slashes % 2 !== 0) {
          value += '\\';
        }
      }

      if (opts.unescape === true) {
        value = advance();
      } else {
        value += advance();
      }

      if (state.brackets === 0) {
        push({ type: 'text', value });
        continue;
      }
    }

    /**
     * If we're inside a regex character class, continue
     * until we reach the closing bracket.
     */

    if (state.brackets > 0 && (value !== ']' || prev.value === '[' || prev.value === '[^')) {
      if (opts.posix !== false && value === ':') {
        const inner = prev.value.slice(1);
        if (inner.includes('[')) {
          prev.posix = true;

          if (inner.includes(':')) {
            const idx = prev.value.lastIndexOf('[');
            const pre = prev.value.slice(0, idx);
            const rest = prev.value.slice(idx + 2);
            const posix = POSIX_REGEX_SOURCE[rest];
            if (posix) {
              prev.value = pre + posix;
              state.backtrack = true;
              advance();

              if (!bos.output && tokens.indexOf(prev) === 1) {
                bos.output = ONE_CHAR;
              }
              continue;
            }
          }
        }
      }

      if ((value === '[' && peek() !== ':') || (value === '-' && peek() === ']')) {
        value = `\\${value}`;
      }

      if (value === ']' && (prev.value === '[' || prev.value === '[^')) {
        value = `\\${value}`;
      }

      if (opts.posix === true && value === '!' && prev.value === '[') {
        value = '^';
      }

      prev.value += value;
      append({ value });
      continue;
    }

    /**
     * If we're inside a quoted string, continue
     * until we reach the closing double quote.
     */

    if (state.quotes === 1 && value !== '"') {
      value = utils.escapeRegex(value);
      prev.value += value;
      append({ value });
      continue;
    }

    /**
     * Double quotes
     */

    if (value === '"') {
      state.quotes = state.quotes === 1 ? 0 : 1;
      if (opts.keepQuotes === true) {
        push({ type: 'text', value });
      }
      continue;
    }

    /**
     * Parentheses
     */

    if (value === '(') {
      increment('parens');
      push({ type: 'paren', value });
      continue;
    }

    if (value === ')') {
      if (state.parens === 0 && opts.strictBrackets === true) {
        throw new SyntaxError(syntaxError('opening', '('));
      }

      const extglob = extglobs[extglobs.length - 1];
      if (extglob && state.parens === extglob.parens + 1) {
        extglobClose(extglobs.pop());
        continue;
      }

      push({ type: 'paren', value, output: state.parens ? ')' : '\\)' });
      decrement('parens');
      continue;
    }

    /**
     * Square brackets
     */

    if (value === '[') {
      if (opts.nobracket === true || !remaining().includes(']')) {
        if (opts.nobracket !== true && opts.strictBrackets === true) {
          throw new SyntaxError(syntaxError('closing', ']'));
        }

        value = `\\${value}`;
      } else {
        increment('brackets');
      }

      push({ type: 'bracket', value });
      continue;
    }

    if (value === ']') {
      if (opts.nobracket === true || (prev && prev.type === 'bracket' && prev.value.length === 1)) {
        push({ type: 'text', value, output: `\\${value}` });
        continue;
      }

      if (state.brackets === 0) {
        if (opts.strictBrackets === true) {
          throw new SyntaxError(syntaxError('opening', '['));
        }

        push({ type: 'text', value, output: `\\${value}` });
        continue;
      }

      decrement('brackets');

      const prevValue = prev.value.slice(1);
      if (prev.posix !== true && prevValue[0] === '^' && !prevValue.includes('/')) {
        value = `/${value}`;
      }

      prev.value += value;
      append({ value });

      // when literal brackets are explicitly disabled
      // assume we should match with a regex character class
      if (opts.literalBrackets === false || utils.hasRegexChars(prevValue)) {
        continue;
      }

      const escaped = utils.escapeRegex(prev.value);
      state.output = state.output.slice(0, -prev.value.length);

      // when literal brackets are explicitly enabled
      // assume we should escape the brackets to match literal characters
      if (opts.literalBrackets === true) {
        state.output += escaped;
        prev.value = escaped;
        continue;
      }

      // when the user specifies nothing, try to match both
      prev.value = `(${capture}${escaped}|${prev.value})`;
      state.output += prev.value;
      continue;
    }

    /**
     * Braces
     */

    if (value === '{' && opts.nobrace !== true) {
      increment('braces');

      const open = {
        type: 'brace',
        value,
        output: '(',
        outputIndex: state.output.length,
        tokensIndex: state.tokens.length
      };

      braces.push(open);
      push(open);
      continue;
    }

    if (value === '}') {
      const brace = braces[braces.length - 1];

      if (opts.nobrace === true || !brace) {
        push({ type: 'text', value, output: value });
        continue;
      }

      let output = ')';

      if (brace.dots === true) {
        const arr = tokens.slice();
        const range = [];

        for (let i = arr.length - 1; i >= 0; i--) {
          tokens.pop();
          if (arr[i].type === 'brace') {
            break;
          }
          if (arr[i].type !== 'dots') {
            range.unshift(arr[i].value);
          }
        }

        output = expandRange(range, opts);
        state.backtrack = true;
      }

      if (brace.comma !== true && brace.dots !== true) {
        const out = state.output.slice(0, brace.outputIndex);
        const toks = state.tokens.slice(brace.tokensIndex);
        brace.value = brace.output = '\\{';
        value = output = '\\}';
        state.output = out;
        for (const t of toks) {
          state.output += (t.output || t.value);
        }
      }

      push({ type: 'brace', value, output });
      decrement('braces');
      braces.pop();
      continue;
    }

    /**
     * Pipes
     */

    if (value === '|') {
      if (extglobs.length > 0) {
        extglobs[extglobs.length - 1].conditions++;
      }
      push({ type: 'text', value });
      continue;
    }

    /**
     * Commas
     */

    if (value === ',') {
      let output = value;

      const brace = braces[braces.length - 1];
      if (brace && stack[stack.length - 1] === 'braces') {
        brace.comma = true;
        output = '|';
      }

      push({ type: 'comma', value, output });
      continue;
    }

    /**
     * Slashes
     */

    if (value === '/') {
      // if the beginning of the glob is "./", advance the start
      // to the current index, and don't add the "./" characters
      // to the state. This greatly simplifies lookbehinds when
      // checking for BOS characters like "!" and "." (not "./")
      if (prev.type === 'dot' && state.index === state.start + 1) {
        state.start = state.index + 1;
        state.consumed = '';
        state.output = '';
        tokens.pop();
        prev = bos; // reset "prev" to the first token
        continue;
      }

      push({ type: 'slash', value, output: SLASH_LITERAL });
      continue;
    }

    /**
     * Dots
     */

    if (value === '.') {
      if (state.braces > 0 && prev.type === 'dot') {
        if (prev.value === '.') prev.output = DOT_LITERAL;
        const brace = braces[braces.length - 1];
        prev.type = 'dots';
        prev.output += value;
        prev.value += value;
        brace.dots = true;
        continue;
      }

      if ((state.braces + state.parens) === 0 && prev.type !== 'bos' && prev.type !== 'slash') {
        push({ type: 'text', value, output: DOT_LITERAL });
        continue;
      }

      push({ type: 'dot', value, output: DOT_LITERAL });
      continue;
    }

    /**
     * Question marks
     */

    if (value === '?') {
      const isGroup = prev && prev.value === '(';
      if (!isGroup && opts.noextglob !== true && peek() === '(' && peek(2) !== '?') {
        extglobOpen('qmark', value);
        continue;
      }

      if (prev && prev.type === 'paren') {
        const next = peek();
        let output = value;

        if ((prev.value === '(' && !/[!=<:]/.test(next)) || (next === '<' && !/<([!=]|\w+>)/.test(remaining()))) {
          output = `\\${value}`;
        }

        push({ type: 'text', value, output });
        continue;
      }

      if (opts.dot !== true && (prev.type === 'slash' || prev.type === 'bos')) {
        push({ type: 'qmark', value, output: QMARK_NO_DOT });
        continue;
      }

      push({ type: 'qmark', value, output: QMARK });
      continue;
    }

    /**
     * Exclamation
     */

    if (value === '!') {
      if (opts.noextglob !== true && peek() === '(') {
        if (peek(2) !== '?' || !/[!=<:]/.test(peek(3))) {
          extglobOpen('negate', value);
          continue;
        }
      }

      if (opts.nonegate !== true && state.index === 0) {
        negate();
        continue;
      }
    }

    /**
     * Plus
     */

    if (value === '+') {
      if (opts.noextglob !== true && peek() === '(' && peek(2) !== '?') {
        extglobOpen('plus', value);
        continue;
      }

      if ((prev && prev.value === '(') || opts.regex === false) {
        push({ type: 'plus', value, output: PLUS_LITERAL });
        continue;
      }

      if ((prev && (prev.type === 'bracket' || prev.type === 'paren' || prev.type === 'brace')) || state.parens > 0) {
        push({ type: 'plus', value });
        continue;
      }

      push({ type: 'plus', value: PLUS_LITERAL });
      continue;
    }

    /**
     * Plain text
     */

    if (value === '@') {
      if (opts.noextglob !== true && peek() === '(' && peek(2) !== '?') {
        push({ type: 'at', extglob: true, value, output: '' });
        continue;
      }

      push({ type: 'text', value });
      continue;
    }

    /**
     * Plain text
     */

    if (value !== '*') {
      if (value === '$' || value === '^') {
        value = `\\${value}`;
      }

      const match = REGEX_NON_SPECIAL_CHARS.exec(remaining());
      if (match) {
        value += match[0];
        state.index += match[0].length;
      }

      push({ type: 'text', value });
      continue;
    }

    /**
     * Stars
     */

    if (prev && (prev.type === 'globstar' || prev.star === true)) {
      prev.type = 'star';
      prev.star = true;
      prev.value += value;
      prev.output = star;
      state.backtrack = true;
      state.globstar = true;
      consume(value);
      continue;
    }

    let rest = remaining();
    if (opts.noextglob !== true && /^\([^?]/.test(rest)) {
      extglobOpen('star', value);
      continue;
    }

    if (prev.type === 'star') {
      if (opts.noglobstar === true) {
        consume(value);
        continue;
      }

      const prior = prev.prev;
      const before = prior.prev;
      const isStart = prior.type === 'slash' || prior.type === 'bos';
      const afterStar = before && (before.type === 'star' || before.type === 'globstar');

      if (opts.bash === true && (!isStart || (rest[0] && rest[0] !== '/'))) {
        push({ type: 'star', value, output: '' });
        continue;
      }

      const isBrace = state.braces > 0 && (prior.type === 'comma' || prior.type === 'brace');
      const isExtglob = extglobs.length && (prior.type === 'pipe' || prior.type === 'paren');
      if (!isStart && prior.type !== 'paren' && !isBrace && !isExtglob) {
        push({ type: 'star', value, output: '' });
        continue;
      }

      // strip consecutive `/**/`
      while (rest.slice(0, 3) === '/**') {
        const after = input[state.index + 4];
        if (after && after !== '/') {
          break;
        }
        rest = rest.slice(3);
        consume('/**', 3);
      }

      // A globstar followed only by balanced closing parens is at the logical end of patterns like
      // `test(/utils/**)` and `test?(/utils/**)`. Treat it as EOS so the trailing `/**` can match its
      // parent path, except in negated extglobs where that would change the exclusion semantics.
      const isEnd = eos() || (
        state.parens > 0
        && rest === ')'.repeat(state.parens)
        && !extglobs.some(extglob => extglob.type === 'negate')
      );

      if (prior.type === 'bos' && eos()) {
        prev.type = 'globstar';
        prev.value += value;
        prev.output = globstar(opts);
        state.output = prev.output;
        state.globstar = true;
        consume(value);
        continue;
      }

      if (prior.type === 'slash' && prior.prev.type !== 'bos' && !afterStar && isEnd) {
        state.output = state.output.slice(0, -(prior.output + prev.output).length);
        prior.output = `(?:${prior.output}`;

        prev.type = 'globstar';
        prev.output = globstar(opts) + (opts.strictSlashes ? ')' : '|$)');
        prev.value += value;
        state.globstar = true;
        state.output += prior.output + prev.output;
        consume(value);
        continue;
      }

      if (prior.type === 'slash' && prior.prev.type !== 'bos' && rest[0] === '/') {
        const end = rest[1] !== void 0 ? '|$' : '';

        state.output = state.output.slice(0, -(prior.output + prev.output).length);
        prior.output = `(?:${prior.output}`;

        prev.type = 'globstar';
        prev.output = `${globstar(opts)}${SLASH_LITERAL}|${SLASH_LITERAL}${end})`;
        prev.value += value;

        state.output += prior.output + prev.output;
        state.globstar = true;

        consume(value + advance());

        push({ type: 'slash', value: '/', output: '' });
        continue;
      }

      if (prior.type === 'bos' && rest[0] === '/') {
        prev.type = 'globstar';
        prev.value += value;
        prev.output = `(?:^|${SLASH_LITERAL}|${globstar(opts)}${SLASH_LITERAL})`;
        state.output = prev.output;
        state.globstar = true;
        consume(value + advance());
        push({ type: 'slash', value: '/', output: '' });
        continue;
      }

      // remove single star from output
      state.output = state.output.slice(0, -prev.output.length);

      // reset previous token to globstar
      prev.type = 'globstar';
      prev.output = globstar(opts);
      prev.value += value;

      // reset output with globstar
      state.output += prev.output;
      state.globstar = true;
      consume(value);
      continue;
    }

    const token = { type: 'star', value, output: star };

    if (opts.bash === true) {
      token.output = '.*?';
      if (prev.type === 'bos' || prev.type === 'slash') {
        token.output = nodot + token.output;
      }
      push(token);
      continue;
    }

    if (prev && (prev.type === 'bracket' || prev.type === 'paren') && opts.regex === true) {
      token.output = value;
      push(token);
      continue;
    }

    if (state.index === state.start || prev.type === 'slash' || prev.type === 'dot') {
      if (prev.type === 'dot') {
        state.output += NO_DOT_SLASH;
        prev.output += NO_DOT_SLASH;

      } else if (opts.dot === true) {
        state.output += NO_DOTS_SLASH;
        prev.output += NO_DOTS_SLASH;

      } else {
        state.output += nodot;
        prev.output += nodot;
      }

      if (peek() !== '*') {
        state.output += ONE_CHAR;
        prev.output += ONE_CHAR;
      }
    }

    push(token);
  }

  while (state.brackets > 0) {
    if (opts.strictBrackets === true) throw new SyntaxError(syntaxError('closing', ']'));
    state.output = utils.escapeLast(state.output, '[');
    decrement('brackets');
  }

  while (state.parens > 0) {
    if (opts.strictBrackets === true) throw new SyntaxError(syntaxError('closing', ')'));
    state.output = utils.escapeLast(state.output, '(');
    decrement('parens');
  }

  while (state.braces > 0) {
    if (opts.strictBrackets === true) throw new SyntaxError(syntaxError('closing', '}'));
    state.output = utils.escapeLast(state.output, '{');
    decrement('braces');
  }

  if (opts.strictSlashes !== true && (prev.type === 'star' || prev.type === 'bracket')) {
    push({ type: 'maybe_slash', value: '', output: `${SLASH_LITERAL}?` });
  }

  // rebuild the output if we had to backtrack at any point
  if (state.backtrack === true) {
    state.output = '';

    for (const token of state.tokens) {
      state.output += token.output != null ? token.output : token.value;

      if (token.suffix) {
        state.output += token.suffix;
      }
    }
  }

  return state;
};

/**
 * Fast paths for creating regular expressions for common glob patterns.
 * This can significantly speed up processing and has very little downside
 * impact when none of the fast paths match.
 */

parse.fastpaths = (input, options) => {
  const opts = { ...options };
  const max = typeof opts.maxLength === 'number' ? Math.min(MAX_LENGTH, opts.maxLength) : MAX_LENGTH;
  const len = input.length;
  if (len > max) {
    throw new SyntaxError(`Input length: ${len}, exceeds maximum allowed length: ${max}`);
  }

  input = REPLACEMENTS[input] || input;

  // create constants based on platform, for windows or posix
  const {
    DOT_LITERAL,
    SLASH_LITERAL,
    ONE_CHAR,
    DOTS_SLASH,
    NO_DOT,
    NO_DOTS,
    NO_DOTS_SLASH,
    STAR,
    START_ANCHOR
  } = constants.globChars(opts.windows);

  const nodot = opts.dot ? NO_DOTS : NO_DOT;
  const slashDot = opts.dot ? NO_DOTS_SLASH : NO_DOT;
  const capture = opts.capture ? '' : '?:';
  const state = { negated: false, prefix: '' };
  let star = opts.bash === true ? '.*?' : STAR;

  if (opts.capture) {
    star = `(${star})`;
  }

  const globstar = opts => {
    if (opts.noglobstar === true) return star;
    return `(${capture}(?:(?!${START_ANCHOR}${opts.dot ? DOTS_SLASH : DOT_LITERAL}).)*?)`;
  };

  const create = str => {
    switch (str) {
      case '*':
        return `${nodot}${ONE_CHAR}${star}`;

      case '.*':
        return `${DOT_LITERAL}${ONE_CHAR}${star}`;

      case '*.*':
        return `${nodot}${star}${DOT_LITERAL}${ONE_CHAR}${star}`;

      case '*/*':
        return `${nodot}${star}${SLASH_LITERAL}${ONE_CHAR}${slashDot}${star}`;

      case '**':
        return nodot + globstar(opts);

      case '**/*':
        return `(?:${nodot}${globstar(opts)}${SLASH_LITERAL})?${slashDot}${ONE_CHAR}${star}`;

      case '**/*.*':
        return `(?:${nodot}${globstar(opts)}${SLASH_LITERAL})?${slashDot}${star}${DOT_LITERAL}${ONE_CHAR}${star}`;

      case '**/.*':
        return `(?:${nodot}${globstar(opts)}${SLASH_LITERAL})?${DOT_LITERAL}${ONE_CHAR}${star}`;

      default: {
        const match = /^(.*?)\.(\w+)$/.exec(str);
        if (!match) return;

        const source = create(match[1]);
        if (!source) return;

        return source + DOT_LITERAL + match[2];
      }
    }
  };

  const output = utils.removePrefix(input, state);
  let source = create(output);

  if (source && opts.strictSlashes !== true) {
    source += `${SLASH_LITERAL}?`;
  }

  return source;
};

module.exports = parse;


/***/ }),

/***/ 8016:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const scan = __nccwpck_require__(1781);
const parse = __nccwpck_require__(8265);
const utils = __nccwpck_require__(4059);
const constants = __nccwpck_require__(5595);
const isObject = val => val && typeof val === 'object' && !Array.isArray(val);

/**
 * Creates a matcher function from one or more glob patterns. The
 * returned function takes a string to match as its first argument,
 * and returns true if the string is a match. The returned matcher
 * function also takes a boolean as the second argument that, when true,
 * returns an object with additional information.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch(glob[, options]);
 *
 * const isMatch = picomatch('*.!(*a)');
 * console.log(isMatch('a.a')); //=> false
 * console.log(isMatch('a.b')); //=> true
 *
 * // For environments without `node.js`, `picomatch/posix` provides you a dependency-free matcher, without automatic OS detection.
 * const picomatch = require('picomatch/posix');
 * // the same API, defaulting to posix paths
 * const isMatch = picomatch('a/*');
 * console.log(isMatch('a\\b')); //=> false
 * console.log(isMatch('a/b')); //=> true
 *
 * // you can still configure the matcher function to accept windows paths
 * const isMatch = picomatch('a/*', { options: windows });
 * console.log(isMatch('a\\b')); //=> true
 * console.log(isMatch('a/b')); //=> true
 * ```
 * @name picomatch
 * @param {String|Array} `globs` One or more glob patterns.
 * @param {Object=} `options`
 * @return {Function=} Returns a matcher function.
 * @api public
 */

const picomatch = (glob, options, returnState = false) => {
  if (Array.isArray(glob)) {
    const fns = glob.map(input => picomatch(input, options, returnState));
    const arrayMatcher = str => {
      for (const isMatch of fns) {
        const state = isMatch(str);
        if (state) return state;
      }
      return false;
    };
    return arrayMatcher;
  }

  const isState = isObject(glob) && glob.tokens && glob.input;

  if (glob === '' || (typeof glob !== 'string' && !isState)) {
    throw new TypeError('Expected pattern to be a non-empty string');
  }

  const opts = options || {};
  const posix = opts.windows;
  const regex = isState
    ? picomatch.compileRe(glob, options)
    : picomatch.makeRe(glob, options, false, true);

  const state = regex.state;
  delete regex.state;

  let isIgnored = () => false;
  if (opts.ignore) {
    const ignoreOpts = { ...options, ignore: null, onMatch: null, onResult: null };
    isIgnored = picomatch(opts.ignore, ignoreOpts, returnState);
  }

  const matcher = (input, returnObject = false) => {
    const { isMatch, match, output } = picomatch.test(input, regex, options, { glob, posix });
    const result = { glob, state, regex, posix, input, output, match, isMatch };

    if (typeof opts.onResult === 'function') {
      opts.onResult(result);
    }

    if (isMatch === false) {
      result.isMatch = false;
      return returnObject ? result : false;
    }

    if (isIgnored(input)) {
      if (typeof opts.onIgnore === 'function') {
        opts.onIgnore(result);
      }
      result.isMatch = false;
      return returnObject ? result : false;
    }

    if (typeof opts.onMatch === 'function') {
      opts.onMatch(result);
    }
    return returnObject ? result : true;
  };

  if (returnState) {
    matcher.state = state;
  }

  return matcher;
};

/**
 * Test `input` with the given `regex`. This is used by the main
 * `picomatch()` function to test the input string.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.test(input, regex[, options]);
 *
 * console.log(picomatch.test('foo/bar', /^(?:([^/]*?)\/([^/]*?))$/));
 * // { isMatch: true, match: [ 'foo/', 'foo', 'bar' ], output: 'foo/bar' }
 * ```
 * @param {String} `input` String to test.
 * @param {RegExp} `regex`
 * @return {Object} Returns an object with matching info.
 * @api public
 */

picomatch.test = (input, regex, options, { glob, posix } = {}) => {
  if (typeof input !== 'string') {
    throw new TypeError('Expected input to be a string');
  }

  if (input === '') {
    return { isMatch: false, output: '' };
  }

  const opts = options || {};
  const format = opts.format || (posix ? utils.toPosixSlashes : null);
  let match = input === glob;
  let output = (match && format) ? format(input) : input;

  if (match === false) {
    output = format ? format(input) : input;
    match = output === glob;
  }

  if (match === false || opts.capture === true) {
    if (opts.matchBase === true || opts.basename === true) {
      match = picomatch.matchBase(input, regex, options, posix);
    } else {
      match = regex.exec(output);
    }
  }

  return { isMatch: Boolean(match), match, output };
};

/**
 * Match the basename of a filepath.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.matchBase(input, glob[, options]);
 * console.log(picomatch.matchBase('foo/bar.js', '*.js'); // true
 * ```
 * @param {String} `input` String to test.
 * @param {RegExp|String} `glob` Glob pattern or regex created by [.makeRe](#makeRe).
 * @return {Boolean}
 * @api public
 */

picomatch.matchBase = (input, glob, options, posix = options && options.windows) => {
  const regex = glob instanceof RegExp ? glob : picomatch.makeRe(glob, options);
  return regex.test(utils.basename(input, { windows: posix }));
};

/**
 * Returns true if **any** of the given glob `patterns` match the specified `string`.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.isMatch(string, patterns[, options]);
 *
 * console.log(picomatch.isMatch('a.a', ['b.*', '*.a'])); //=> true
 * console.log(picomatch.isMatch('a.a', 'b.*')); //=> false
 * ```
 * @param {String|Array} str The string to test.
 * @param {String|Array} patterns One or more glob patterns to use for matching.
 * @param {Object} [options] See available [options](#options).
 * @return {Boolean} Returns true if any patterns match `str`
 * @api public
 */

picomatch.isMatch = (str, patterns, options) => picomatch(patterns, options)(str);

/**
 * Parse a glob pattern to create the source string for a regular
 * expression.
 *
 * ```js
 * const picomatch = require('picomatch');
 * const result = picomatch.parse(pattern[, options]);
 * ```
 * @param {String} `pattern`
 * @param {Object} `options`
 * @return {Object} Returns an object with useful properties and output to be used as a regex source string.
 * @api public
 */

picomatch.parse = (pattern, options) => {
  if (Array.isArray(pattern)) return pattern.map(p => picomatch.parse(p, options));
  return parse(pattern, { ...options, fastpaths: false });
};

/**
 * Scan a glob pattern to separate the pattern into segments.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.scan(input[, options]);
 *
 * const result = picomatch.scan('!./foo/*.js');
 * console.log(result);
 * { prefix: '!./',
 *   input: '!./foo/*.js',
 *   start: 3,
 *   base: 'foo',
 *   glob: '*.js',
 *   isBrace: false,
 *   isBracket: false,
 *   isGlob: true,
 *   isExtglob: false,
 *   isGlobstar: false,
 *   negated: true }
 * ```
 * @param {String} `input` Glob pattern to scan.
 * @param {Object} `options`
 * @return {Object} Returns an object with
 * @api public
 */

picomatch.scan = (input, options) => scan(input, options);

/**
 * Compile a regular expression from the `state` object returned by the
 * [parse()](#parse) method.
 *
 * ```js
 * const picomatch = require('picomatch');
 * const state = picomatch.parse('*.js');
 * // picomatch.compileRe(state[, options]);
 *
 * console.log(picomatch.compileRe(state));
 * //=> /^(?:(?!\.)(?=.)[^/]*?\.js)$/
 * ```
 * @param {Object} `state`
 * @param {Object} `options`
 * @param {Boolean} `returnOutput` Intended for implementors, this argument allows you to return the raw output from the parser.
 * @param {Boolean} `returnState` Adds the state to a `state` property on the returned regex. Useful for implementors and debugging.
 * @return {RegExp}
 * @api public
 */

picomatch.compileRe = (state, options, returnOutput = false, returnState = false) => {
  if (returnOutput === true) {
    return state.output;
  }

  const opts = options || {};
  const prepend = opts.contains ? '' : '^';
  const append = opts.contains ? '' : '$';

  let source = `${prepend}(?:${state.output})${append}`;
  if (state && state.negated === true) {
    source = `^(?!${source}).*$`;
  }

  const regex = picomatch.toRegex(source, options);
  if (returnState === true) {
    regex.state = state;
  }

  return regex;
};

/**
 * Create a regular expression from a parsed glob pattern.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.makeRe(state[, options]);
 *
 * const result = picomatch.makeRe('*.js');
 * console.log(result);
 * //=> /^(?:(?!\.)(?=.)[^/]*?\.js)$/
 * ```
 * @param {String} `state` The object returned from the `.parse` method.
 * @param {Object} `options`
 * @param {Boolean} `returnOutput` Implementors may use this argument to return the compiled output, instead of a regular expression. This is not exposed on the options to prevent end-users from mutating the result.
 * @param {Boolean} `returnState` Implementors may use this argument to return the state from the parsed glob with the returned regular expression.
 * @return {RegExp} Returns a regex created from the given pattern.
 * @api public
 */

picomatch.makeRe = (input, options = {}, returnOutput = false, returnState = false) => {
  if (!input || typeof input !== 'string') {
    throw new TypeError('Expected a non-empty string');
  }

  let parsed = { negated: false, fastpaths: true };

  if (options.fastpaths !== false && (input[0] === '.' || input[0] === '*')) {
    parsed.output = parse.fastpaths(input, options);
  }

  if (!parsed.output) {
    parsed = parse(input, options);
  }

  return picomatch.compileRe(parsed, options, returnOutput, returnState);
};

/**
 * Create a regular expression from the given regex source string.
 *
 * ```js
 * const picomatch = require('picomatch');
 * // picomatch.toRegex(source[, options]);
 *
 * const { output } = picomatch.parse('*.js');
 * console.log(picomatch.toRegex(output));
 * //=> /^(?:(?!\.)(?=.)[^/]*?\.js)$/
 * ```
 * @param {String} `source` Regular expression source string.
 * @param {Object} `options`
 * @return {RegExp}
 * @api public
 */

picomatch.toRegex = (source, options) => {
  try {
    const opts = options || {};
    return new RegExp(source, opts.flags || (opts.nocase ? 'i' : ''));
  } catch (err) {
    if (options && options.debug === true) throw err;
    return /$^/;
  }
};

/**
 * Picomatch constants.
 * @return {Object}
 */

picomatch.constants = constants;

/**
 * Expose "picomatch"
 */

module.exports = picomatch;


/***/ }),

/***/ 1781:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const utils = __nccwpck_require__(4059);
const {
  CHAR_ASTERISK,             /* * */
  CHAR_AT,                   /* @ */
  CHAR_BACKWARD_SLASH,       /* \ */
  CHAR_COMMA,                /* , */
  CHAR_DOT,                  /* . */
  CHAR_EXCLAMATION_MARK,     /* ! */
  CHAR_FORWARD_SLASH,        /* / */
  CHAR_LEFT_CURLY_BRACE,     /* { */
  CHAR_LEFT_PARENTHESES,     /* ( */
  CHAR_LEFT_SQUARE_BRACKET,  /* [ */
  CHAR_PLUS,                 /* + */
  CHAR_QUESTION_MARK,        /* ? */
  CHAR_RIGHT_CURLY_BRACE,    /* } */
  CHAR_RIGHT_PARENTHESES,    /* ) */
  CHAR_RIGHT_SQUARE_BRACKET  /* ] */
} = __nccwpck_require__(5595);

const isPathSeparator = code => {
  return code === CHAR_FORWARD_SLASH || code === CHAR_BACKWARD_SLASH;
};

const depth = token => {
  if (token.isPrefix !== true) {
    token.depth = token.isGlobstar ? Infinity : 1;
  }
};

/**
 * Quickly scans a glob pattern and returns an object with a handful of
 * useful properties, like `isGlob`, `path` (the leading non-glob, if it exists),
 * `glob` (the actual pattern), `negated` (true if the path starts with `!` but not
 * with `!(`) and `negatedExtglob` (true if the path starts with `!(`).
 *
 * ```js
 * const pm = require('picomatch');
 * console.log(pm.scan('foo/bar/*.js'));
 * { isGlob: true, input: 'foo/bar/*.js', base: 'foo/bar', glob: '*.js' }
 * ```
 * @param {String} `str`
 * @param {Object} `options`
 * @return {Object} Returns an object with tokens and regex source string.
 * @api public
 */

const scan = (input, options) => {
  const opts = options || {};

  const length = input.length - 1;
  const scanToEnd = opts.parts === true || opts.tokens === true || opts.scanToEnd === true;
  const slashes = [];
  const tokens = [];
  const parts = [];

  let str = input;
  let index = -1;
  let start = 0;
  let lastIndex = 0;
  let isBrace = false;
  let isBracket = false;
  let isGlob = false;
  let isExtglob = false;
  let isGlobstar = false;
  let braceEscaped = false;
  let backslashes = false;
  let negated = false;
  let negatedExtglob = false;
  let finished = false;
  let braces = 0;
  let prev;
  let code;
  let token = { value: '', depth: 0, isGlob: false };

  const eos = () => index >= length;
  const peek = () => str.charCodeAt(index + 1);
  const advance = () => {
    prev = code;
    return str.charCodeAt(++index);
  };

  while (index < length) {
    code = advance();
    let next;

    if (code === CHAR_BACKWARD_SLASH) {
      backslashes = token.backslashes = true;
      code = advance();

      if (code === CHAR_LEFT_CURLY_BRACE) {
        braceEscaped = true;
      }
      continue;
    }

    if (braceEscaped === true || code === CHAR_LEFT_CURLY_BRACE) {
      braces++;

      while (eos() !== true && (code = advance())) {
        if (code === CHAR_BACKWARD_SLASH) {
          backslashes = token.backslashes = true;
          advance();
          continue;
        }

        if (code === CHAR_LEFT_CURLY_BRACE) {
          braces++;
          continue;
        }

        if (braceEscaped !== true && code === CHAR_DOT && (code = advance()) === CHAR_DOT) {
          isBrace = token.isBrace = true;
          isGlob = token.isGlob = true;
          finished = true;

          if (scanToEnd === true) {
            continue;
          }

          break;
        }

        if (braceEscaped !== true && code === CHAR_COMMA) {
          isBrace = token.isBrace = true;
          isGlob = token.isGlob = true;
          finished = true;

          if (scanToEnd === true) {
            continue;
          }

          break;
        }

        if (code === CHAR_RIGHT_CURLY_BRACE) {
          braces--;

          if (braces === 0) {
            braceEscaped = false;
            isBrace = token.isBrace = true;
            finished = true;
            break;
          }
        }
      }

      if (scanToEnd === true) {
        continue;
      }

      break;
    }

    if (code === CHAR_FORWARD_SLASH) {
      slashes.push(index);
      tokens.push(token);
      token = { value: '', depth: 0, isGlob: false };

      if (finished === true) continue;
      if (prev === CHAR_DOT && index === (start + 1)) {
        start += 2;
        continue;
      }

      lastIndex = index + 1;
      continue;
    }

    if (opts.noext !== true) {
      const isExtglobChar = code === CHAR_PLUS
        || code === CHAR_AT
        || code === CHAR_ASTERISK
        || code === CHAR_QUESTION_MARK
        || code === CHAR_EXCLAMATION_MARK;

      if (isExtglobChar === true && peek() === CHAR_LEFT_PARENTHESES) {
        isGlob = token.isGlob = true;
        isExtglob = token.isExtglob = true;
        finished = true;
        if (code === CHAR_EXCLAMATION_MARK && index === start) {
          negatedExtglob = true;
        }

        if (scanToEnd === true) {
          let parens = 0;

          while (eos() !== true && (code = advance())) {
            if (code === CHAR_BACKWARD_SLASH) {
              backslashes = token.backslashes = true;
              advance();
              continue;
            }

            if (code === CHAR_LEFT_PARENTHESES) {
              parens++;
              continue;
            }

            if (code === CHAR_RIGHT_PARENTHESES && --parens === 0) {
              finished = true;
              break;
            }
          }
          continue;
        }
        break;
      }
    }

    if (code === CHAR_ASTERISK) {
      if (prev === CHAR_ASTERISK) isGlobstar = token.isGlobstar = true;
      isGlob = token.isGlob = true;
      finished = true;

      if (scanToEnd === true) {
        continue;
      }
      break;
    }

    if (code === CHAR_QUESTION_MARK) {
      isGlob = token.isGlob = true;
      finished = true;

      if (scanToEnd === true) {
        continue;
      }
      break;
    }

    if (code === CHAR_LEFT_SQUARE_BRACKET) {
      while (eos() !== true && (next = advance())) {
        if (next === CHAR_BACKWARD_SLASH) {
          backslashes = token.backslashes = true;
          advance();
          continue;
        }

        if (next === CHAR_RIGHT_SQUARE_BRACKET) {
          isBracket = token.isBracket = true;
          isGlob = token.isGlob = true;
          finished = true;
          break;
        }
      }

      if (scanToEnd === true) {
        continue;
      }

      break;
    }

    if (opts.nonegate !== true && code === CHAR_EXCLAMATION_MARK && index === start) {
      negated = token.negated = true;
      start++;
      continue;
    }

    if (opts.noparen !== true && code === CHAR_LEFT_PARENTHESES) {
      isGlob = token.isGlob = true;

      if (scanToEnd === true) {
        let parens = 1;

        while (eos() !== true && (code = advance())) {
          if (code === CHAR_BACKWARD_SLASH) {
            backslashes = token.backslashes = true;
            advance();
            continue;
          }

          if (code === CHAR_LEFT_PARENTHESES) {
            parens++;
            continue;
          }

          if (code === CHAR_RIGHT_PARENTHESES && --parens === 0) {
            finished = true;
            break;
          }
        }
        continue;
      }
      break;
    }

    if (isGlob === true) {
      finished = true;

      if (scanToEnd === true) {
        continue;
      }

      break;
    }
  }

  if (opts.noext === true) {
    isExtglob = false;
    isGlob = false;
  }

  let base = str;
  let prefix = '';
  let glob = '';

  if (start > 0) {
    prefix = str.slice(0, start);
    str = str.slice(start);
    lastIndex -= start;
  }

  if (base && isGlob === true && lastIndex > 0) {
    base = str.slice(0, lastIndex);
    glob = str.slice(lastIndex);
  } else if (isGlob === true) {
    base = '';
    glob = str;
  } else {
    base = str;
  }

  if (base && base !== '' && base !== '/' && base !== str) {
    if (isPathSeparator(base.charCodeAt(base.length - 1))) {
      base = base.slice(0, -1);
    }
  }

  if (opts.unescape === true) {
    if (glob) glob = utils.removeBackslashes(glob);

    if (base && backslashes === true) {
      base = utils.removeBackslashes(base);
    }
  }

  const state = {
    prefix,
    input,
    start,
    base,
    glob,
    isBrace,
    isBracket,
    isGlob,
    isExtglob,
    isGlobstar,
    negated,
    negatedExtglob
  };

  if (opts.tokens === true) {
    state.maxDepth = 0;
    if (!isPathSeparator(code)) {
      tokens.push(token);
    }
    state.tokens = tokens;
  }

  if (opts.parts === true || opts.tokens === true) {
    let prevIndex;

    for (let idx = 0; idx < slashes.length; idx++) {
      const n = prevIndex !== undefined ? prevIndex + 1 : start;
      const i = slashes[idx];
      const value = input.slice(n, i);
      if (opts.tokens) {
        if (idx === 0 && start !== 0) {
          tokens[idx].isPrefix = true;
          tokens[idx].value = prefix;
        } else {
          tokens[idx].value = value;
        }
        depth(tokens[idx]);
        state.maxDepth += tokens[idx].depth;
      }
      if (i >= start) {
        parts.push(value);
        prevIndex = i;
      }
    }

    const n = prevIndex !== undefined ? prevIndex + 1 : start;
    const value = input.slice(n);
    parts.push(value);

    if (opts.tokens && prevIndex && prevIndex + 1 < input.length) {
      tokens[tokens.length - 1].value = value;
      depth(tokens[tokens.length - 1]);
      state.maxDepth += tokens[tokens.length - 1].depth;
    }

    state.slashes = slashes;
    state.parts = parts;
  }

  return state;
};

module.exports = scan;


/***/ }),

/***/ 4059:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

/*global navigator*/


const {
  REGEX_BACKSLASH,
  REGEX_REMOVE_BACKSLASH,
  REGEX_SPECIAL_CHARS,
  REGEX_SPECIAL_CHARS_GLOBAL
} = __nccwpck_require__(5595);

exports.isObject = val => val !== null && typeof val === 'object' && !Array.isArray(val);
exports.hasRegexChars = str => REGEX_SPECIAL_CHARS.test(str);
exports.isRegexChar = str => str.length === 1 && exports.hasRegexChars(str);
exports.escapeRegex = str => str.replace(REGEX_SPECIAL_CHARS_GLOBAL, '\\$1');
exports.toPosixSlashes = str => str.replace(REGEX_BACKSLASH, '/');

exports.isWindows = () => {
  if (typeof navigator !== 'undefined' && navigator.platform) {
    const platform = navigator.platform.toLowerCase();
    return platform === 'win32' || platform === 'windows';
  }

  if (typeof process !== 'undefined' && process.platform) {
    return process.platform === 'win32';
  }

  return false;
};

exports.removeBackslashes = str => {
  return str.replace(REGEX_REMOVE_BACKSLASH, match => {
    return match === '\\' ? '' : match;
  });
};

exports.escapeLast = (input, char, lastIdx) => {
  const idx = input.lastIndexOf(char, lastIdx);
  if (idx === -1) return input;
  if (input[idx - 1] === '\\') return exports.escapeLast(input, char, idx - 1);
  return `${input.slice(0, idx)}\\${input.slice(idx)}`;
};

exports.removePrefix = (input, state = {}) => {
  let output = input;
  if (output.startsWith('./')) {
    output = output.slice(2);
    state.prefix = './';
  }
  return output;
};

exports.wrapOutput = (input, state = {}, options = {}) => {
  const prepend = options.contains ? '' : '^';
  const append = options.contains ? '' : '$';

  let output = `${prepend}(?:${input})${append}`;
  if (state.negated === true) {
    output = `(?:^(?!${output}).*$)`;
  }
  return output;
};

exports.basename = (path, { windows } = {}) => {
  const segs = path.split(windows ? /[\\/]/ : '/');
  const last = segs[segs.length - 1];

  if (last === '') {
    return segs[segs.length - 2];
  }

  return last;
};


/***/ }),

/***/ 5581:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__nccwpck_require__.n(node_util__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _config_load_js__WEBPACK_IMPORTED_MODULE_4__ = __nccwpck_require__(2066);
/* harmony import */ var _engines_index_js__WEBPACK_IMPORTED_MODULE_5__ = __nccwpck_require__(602);
/* harmony import */ var _plan_terraform_json_js__WEBPACK_IMPORTED_MODULE_6__ = __nccwpck_require__(1946);
/* harmony import */ var _report_markdown_js__WEBPACK_IMPORTED_MODULE_7__ = __nccwpck_require__(9876);
/* harmony import */ var _settings_js__WEBPACK_IMPORTED_MODULE_8__ = __nccwpck_require__(8750);
/* harmony import */ var _stacks_affected_js__WEBPACK_IMPORTED_MODULE_9__ = __nccwpck_require__(7785);
/* harmony import */ var _stacks_discover_js__WEBPACK_IMPORTED_MODULE_10__ = __nccwpck_require__(1954);
/* harmony import */ var _stacks_runner_js__WEBPACK_IMPORTED_MODULE_11__ = __nccwpck_require__(6071);
// The local CLI over the same core as the action: plan stacks on a laptop, or render a saved plan.












const USAGE = `Usage:
  stackgate plan [PATH] [--stacks NAMES] [--engine tofu|terraform] [--parallelism N] [--format markdown|json]
      Plans every stack of the config repository at PATH (default: .) and prints the report.
  stackgate render PLAN.json [--format markdown|json]
      Prints the comment section for a saved \`tofu show -json\` / \`terraform show -json\` output.
`;
class UsageError extends Error {
}
async function render(args) {
    const { values, positionals } = (0,node_util__WEBPACK_IMPORTED_MODULE_3__.parseArgs)({
        args,
        allowPositionals: true,
        options: { format: { type: 'string', default: 'markdown' } },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1)
        throw new UsageError('render takes exactly one plan file');
    let json;
    try {
        json = JSON.parse(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(file, 'utf8'));
    }
    catch (error) {
        throw new Error(`${file}: cannot read a JSON plan: ${error.message}`, { cause: error });
    }
    const plan = (0,_plan_terraform_json_js__WEBPACK_IMPORTED_MODULE_6__/* .parseTerraformPlan */ .Fr)(json, file);
    if (values.format === 'json') {
        process.stdout.write(`${JSON.stringify((0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_7__/* .planToJson */ .$p)(plan), null, 2)}\n`);
    }
    else if (values.format === 'markdown') {
        const stack = {
            name: node_path__WEBPACK_IMPORTED_MODULE_2___default().basename(file, '.json'),
            path: node_path__WEBPACK_IMPORTED_MODULE_2___default().dirname(file),
            engine: 'tofu',
            status: plan.hasChanges ? 'planned' : 'no-changes',
            plan,
            diagnostics: [],
        };
        process.stdout.write(`${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_7__/* .renderStackSection */ .Gb)(stack)}\n`);
    }
    else {
        throw new UsageError(`unknown --format '${values.format}': expected markdown or json`);
    }
    return 0;
}
async function plan(args) {
    const { values, positionals } = (0,node_util__WEBPACK_IMPORTED_MODULE_3__.parseArgs)({
        args,
        allowPositionals: true,
        options: {
            stacks: { type: 'string', default: '' },
            engine: { type: 'string' },
            parallelism: { type: 'string', default: String(node_os__WEBPACK_IMPORTED_MODULE_1___default().availableParallelism()) },
            format: { type: 'string', default: 'markdown' },
        },
    });
    if (values.format !== 'markdown' && values.format !== 'json') {
        throw new UsageError(`unknown --format '${values.format}': expected markdown or json`);
    }
    const workspace = node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(positionals[0] ?? '.');
    const config = await (0,_config_load_js__WEBPACK_IMPORTED_MODULE_4__/* .loadConfig */ .Z9)(workspace, '.stackgate.yml');
    let stacks = await (0,_stacks_discover_js__WEBPACK_IMPORTED_MODULE_10__/* .discoverStacks */ .jA)(workspace, config);
    const patterns = (0,_settings_js__WEBPACK_IMPORTED_MODULE_8__/* .splitList */ .ry)(values.stacks);
    if (patterns.length > 0)
        stacks = (0,_stacks_affected_js__WEBPACK_IMPORTED_MODULE_9__/* .filterStacks */ .YS)(stacks, patterns);
    if (values.engine !== undefined && values.engine !== 'tofu' && values.engine !== 'terraform') {
        throw new UsageError(`unknown --engine '${values.engine}': expected tofu or terraform`);
    }
    const fallback = await (0,_engines_index_js__WEBPACK_IMPORTED_MODULE_5__/* .resolveEngineChoice */ .IC)(values.engine ?? 'auto');
    const parallelism = Math.max(1, Number(values.parallelism) || 1);
    const env = (0,_engines_index_js__WEBPACK_IMPORTED_MODULE_5__/* .engineEnvironment */ .IN)(process.env, Math.min(parallelism, stacks.length));
    // Saved plans hold raw sensitive values: a fresh folder only this user can read, removed afterwards.
    const tempDir = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(node_os__WEBPACK_IMPORTED_MODULE_1___default().tmpdir(), 'stackgate-cli-'));
    let reports;
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.chmod)(tempDir, 0o700);
        // The action's runner: never two stacks of one folder at once, and every stack settles before the folder
        // goes, so one failing never leaves the others writing into it.
        reports = await (0,_stacks_runner_js__WEBPACK_IMPORTED_MODULE_11__/* .forEachStack */ .zq)(stacks, parallelism, async (stack) => {
            const engine = (0,_engines_index_js__WEBPACK_IMPORTED_MODULE_5__/* .engineFor */ .Ec)(stack, fallback);
            process.stderr.write(`planning ${stack.name} with ${engine.name}…\n`);
            const result = await engine.plan(stack, { workspace, env, tempDir }, { repository: workspace });
            return { name: stack.name, path: stack.path, engine: engine.name, ...result };
        });
    }
    finally {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(tempDir, { recursive: true, force: true });
    }
    const report = { command: 'plan', header: '', repository: workspace, sha: '', stacks: reports };
    if (values.format === 'json') {
        const stacksJson = reports.map((stack) => ({
            name: stack.name,
            path: stack.path,
            engine: stack.engine,
            status: stack.status,
            message: stack.message,
            ...(stack.plan ? (0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_7__/* .planToJson */ .$p)(stack.plan) : {}),
        }));
        process.stdout.write(`${JSON.stringify(stacksJson, null, 2)}\n`);
    }
    else {
        process.stdout.write(`${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_7__/* .renderSummary */ .Br)(report)}\n`);
    }
    return reports.some((stack) => stack.status === 'errored') ? 1 : 0;
}
async function main(argv) {
    const [command, ...rest] = argv;
    try {
        switch (command) {
            case 'render':
                return await render(rest);
            case 'plan':
                return await plan(rest);
            case undefined:
            case '-h':
            case '--help':
                process.stdout.write(USAGE);
                return command === undefined ? 2 : 0;
            default:
                throw new UsageError(`unknown command '${command}'`);
        }
    }
    catch (error) {
        process.stderr.write(`stackgate: ${error.message}\n`);
        if (error instanceof UsageError)
            process.stderr.write(`\n${USAGE}`);
        return error instanceof UsageError ? 2 : 1;
    }
}
process.exitCode = await main(process.argv.slice(2));

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 2066:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  Hg: () => (/* binding */ configuredStack),
  Z9: () => (/* binding */ loadConfig)
});

// UNUSED EXPORTS: ConfigError, dependencyCycles, levenshtein, normalizeStackPath, parseDuration, suggestion, withDefaults

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __nccwpck_require__(8815);
// EXTERNAL MODULE: ./node_modules/fast-deep-equal/index.js
var fast_deep_equal = __nccwpck_require__(3430);
;// CONCATENATED MODULE: ./src/config/schema-validator.js
// Generated by scripts/schema-validator.mjs from schema/stackgate.schema.json (npm run build). Do not edit.

const validate = (/* unused pure expression or super */ null && (validate10));/* harmony default export */ const schema_validator = (validate10);const schema11 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://github.com/stackgate/stackgate/raw/main/schema/stackgate.schema.json","type":"object","additionalProperties":false,"required":["version"],"properties":{"version":{"const":1},"stacks":{"type":"array","items":{"$ref":"#/definitions/stack"}},"defaults":{"$ref":"#/definitions/defaults"},"policies":{"type":"array","items":{"$ref":"#/definitions/policy"}},"drift":{"type":"object","additionalProperties":false,"properties":{"labels":{"type":"array","items":{"type":"string","minLength":1}},"assignees":{"type":"array","items":{"type":"string","minLength":1}},"dashboard":{"type":"boolean","default":true},"show-in-pr":{"type":"boolean","default":true}}},"secrets":{"type":"object","additionalProperties":false,"properties":{"allow":{"type":"array","items":{"type":"string","minLength":1}}}},"apply":{"$ref":"#/definitions/apply"}},"definitions":{"stack":{"type":"object","additionalProperties":false,"required":["name","path"],"properties":{"name":{"type":"string","minLength":1},"path":{"type":"string","minLength":1},"engine":{"enum":["terraform","tofu","ansible","terragrunt"]},"workspace":{"type":"string","minLength":1,"pattern":"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$","patternErrorMessage":"must be a workspace name the engine accepts: letters, digits and `_ . ~ $ & + : = @ -`, not starting with `-` (the engine would read it as a flag)","default":"default"},"var-files":{"type":"array","items":{"type":"string","minLength":1}},"backend-config":{"type":"array","items":{"type":"string","minLength":1}},"init-args":{"type":"array","items":{"type":"string","minLength":1}},"plan-args":{"type":"array","items":{"type":"string","minLength":1}},"apply-args":{"type":"array","items":{"type":"string","minLength":1}},"env":{"type":"object","propertyNames":{"pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"},"additionalProperties":{"type":["string","number","boolean"]}},"when-modified":{"type":"array","items":{"type":"string","minLength":1,"pattern":"^[^!]","patternErrorMessage":"must not start with ! (negations are not supported: when-modified only adds files to the stack)"}},"playbook":{"type":"string","minLength":1},"inventory":{"type":"string","minLength":1},"limit":{"type":"string","minLength":1},"tags":{"type":"array","items":{"type":"string","minLength":1}},"extra-vars-files":{"type":"array","items":{"type":"string","minLength":1}},"check-args":{"type":"array","items":{"type":"string","minLength":1}},"vault-password-env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"},"vault-password-file":{"type":"string","minLength":1},"timeout":{"type":"string","pattern":"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$","patternErrorMessage":"must be a duration such as 90s, 30m, 1h or 1h30m"},"depends-on":{"type":"array","uniqueItems":true,"items":{"type":"string","minLength":1}},"apply":{"$ref":"#/definitions/apply"}}},"defaults":{"type":"object","additionalProperties":false,"properties":{"engine":{"$ref":"#/definitions/stack/properties/engine"},"workspace":{"$ref":"#/definitions/stack/properties/workspace"},"var-files":{"$ref":"#/definitions/stack/properties/var-files"},"backend-config":{"$ref":"#/definitions/stack/properties/backend-config"},"init-args":{"$ref":"#/definitions/stack/properties/init-args"},"plan-args":{"$ref":"#/definitions/stack/properties/plan-args"},"apply-args":{"$ref":"#/definitions/stack/properties/apply-args"},"env":{"$ref":"#/definitions/stack/properties/env"},"when-modified":{"$ref":"#/definitions/stack/properties/when-modified"},"playbook":{"$ref":"#/definitions/stack/properties/playbook"},"inventory":{"$ref":"#/definitions/stack/properties/inventory"},"limit":{"$ref":"#/definitions/stack/properties/limit"},"tags":{"$ref":"#/definitions/stack/properties/tags"},"extra-vars-files":{"$ref":"#/definitions/stack/properties/extra-vars-files"},"check-args":{"$ref":"#/definitions/stack/properties/check-args"},"vault-password-env":{"$ref":"#/definitions/stack/properties/vault-password-env"},"vault-password-file":{"$ref":"#/definitions/stack/properties/vault-password-file"},"timeout":{"$ref":"#/definitions/stack/properties/timeout"}}},"policy":{"type":"object","additionalProperties":false,"required":["name"],"anyOf":[{"required":["deny"]},{"required":["max-changes"]},{"required":["require-attributes"]}],"properties":{"name":{"type":"string","minLength":1},"deny":{"type":"array","minItems":1,"items":{"enum":["create","update","delete","replace","read","import","move"]}},"resources":{"type":"array","items":{"type":"string","minLength":1}},"unless-label":{"type":"string","minLength":1},"level":{"enum":["error","warning"],"default":"error"},"max-changes":{"type":"integer","minimum":0},"require-attributes":{"type":"object","additionalProperties":{"type":"array","items":{"type":"string","minLength":1}}}}},"apply":{"type":"object","additionalProperties":false,"properties":{"on":{"enum":["comment","merge"],"default":"comment"},"requirements":{"type":"array","uniqueItems":true,"items":{"enum":["approved","mergeable","undiverged","plan-passed"]}}}}}};const schema33 = {"type":"object","additionalProperties":false,"required":["name"],"anyOf":[{"required":["deny"]},{"required":["max-changes"]},{"required":["require-attributes"]}],"properties":{"name":{"type":"string","minLength":1},"deny":{"type":"array","minItems":1,"items":{"enum":["create","update","delete","replace","read","import","move"]}},"resources":{"type":"array","items":{"type":"string","minLength":1}},"unless-label":{"type":"string","minLength":1},"level":{"enum":["error","warning"],"default":"error"},"max-changes":{"type":"integer","minimum":0},"require-attributes":{"type":"object","additionalProperties":{"type":"array","items":{"type":"string","minLength":1}}}}};const schema13 = {"type":"object","additionalProperties":false,"properties":{"on":{"enum":["comment","merge"],"default":"comment"},"requirements":{"type":"array","uniqueItems":true,"items":{"enum":["approved","mergeable","undiverged","plan-passed"]}}}};const schema12 = {"type":"object","additionalProperties":false,"required":["name","path"],"properties":{"name":{"type":"string","minLength":1},"path":{"type":"string","minLength":1},"engine":{"enum":["terraform","tofu","ansible","terragrunt"]},"workspace":{"type":"string","minLength":1,"pattern":"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$","patternErrorMessage":"must be a workspace name the engine accepts: letters, digits and `_ . ~ $ & + : = @ -`, not starting with `-` (the engine would read it as a flag)","default":"default"},"var-files":{"type":"array","items":{"type":"string","minLength":1}},"backend-config":{"type":"array","items":{"type":"string","minLength":1}},"init-args":{"type":"array","items":{"type":"string","minLength":1}},"plan-args":{"type":"array","items":{"type":"string","minLength":1}},"apply-args":{"type":"array","items":{"type":"string","minLength":1}},"env":{"type":"object","propertyNames":{"pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"},"additionalProperties":{"type":["string","number","boolean"]}},"when-modified":{"type":"array","items":{"type":"string","minLength":1,"pattern":"^[^!]","patternErrorMessage":"must not start with ! (negations are not supported: when-modified only adds files to the stack)"}},"playbook":{"type":"string","minLength":1},"inventory":{"type":"string","minLength":1},"limit":{"type":"string","minLength":1},"tags":{"type":"array","items":{"type":"string","minLength":1}},"extra-vars-files":{"type":"array","items":{"type":"string","minLength":1}},"check-args":{"type":"array","items":{"type":"string","minLength":1}},"vault-password-env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"},"vault-password-file":{"type":"string","minLength":1},"timeout":{"type":"string","pattern":"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$","patternErrorMessage":"must be a duration such as 90s, 30m, 1h or 1h30m"},"depends-on":{"type":"array","uniqueItems":true,"items":{"type":"string","minLength":1}},"apply":{"$ref":"#/definitions/apply"}}};const func2 = Object.prototype.hasOwnProperty;const func3 = (text) => [...text].length;const func0 = fast_deep_equal;const pattern0 = new RegExp("^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$", "u");const pattern1 = new RegExp("^[A-Za-z_][A-Za-z0-9_]*$", "u");const pattern2 = new RegExp("^[^!]", "u");const pattern4 = new RegExp("^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$", "u");function validate11(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){let vErrors = null;let errors = 0;if(data && typeof data == "object" && !Array.isArray(data)){if(data.name === undefined){const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema12.required,parentSchema:schema12,data};if(vErrors === null){vErrors = [err0];}else {vErrors.push(err0);}errors++;}if(data.path === undefined){const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "path"},message:"must have required property '"+"path"+"'",schema:schema12.required,parentSchema:schema12,data};if(vErrors === null){vErrors = [err1];}else {vErrors.push(err1);}errors++;}for(const key0 in data){if(!(func2.call(schema12.properties, key0))){const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema12,data};if(vErrors === null){vErrors = [err2];}else {vErrors.push(err2);}errors++;}}if(data.name !== undefined){let data0 = data.name;if(typeof data0 === "string"){if(func3(data0) < 1){const err3 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.name,data:data0};if(vErrors === null){vErrors = [err3];}else {vErrors.push(err3);}errors++;}}else {const err4 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.name.type,parentSchema:schema12.properties.name,data:data0};if(vErrors === null){vErrors = [err4];}else {vErrors.push(err4);}errors++;}}if(data.path !== undefined){let data1 = data.path;if(typeof data1 === "string"){if(func3(data1) < 1){const err5 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.path,data:data1};if(vErrors === null){vErrors = [err5];}else {vErrors.push(err5);}errors++;}}else {const err6 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.path.type,parentSchema:schema12.properties.path,data:data1};if(vErrors === null){vErrors = [err6];}else {vErrors.push(err6);}errors++;}}if(data.engine !== undefined){let data2 = data.engine;if(!((((data2 === "terraform") || (data2 === "tofu")) || (data2 === "ansible")) || (data2 === "terragrunt"))){const err7 = {instancePath:instancePath+"/engine",schemaPath:"#/properties/engine/enum",keyword:"enum",params:{allowedValues: schema12.properties.engine.enum},message:"must be equal to one of the allowed values",schema:schema12.properties.engine.enum,parentSchema:schema12.properties.engine,data:data2};if(vErrors === null){vErrors = [err7];}else {vErrors.push(err7);}errors++;}}if(data.workspace !== undefined){let data3 = data.workspace;if(typeof data3 === "string"){if(func3(data3) < 1){const err8 = {instancePath:instancePath+"/workspace",schemaPath:"#/properties/workspace/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.workspace,data:data3};if(vErrors === null){vErrors = [err8];}else {vErrors.push(err8);}errors++;}if(!pattern0.test(data3)){const err9 = {instancePath:instancePath+"/workspace",schemaPath:"#/properties/workspace/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$"},message:"must match pattern \""+"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$"+"\"",schema:"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$",parentSchema:schema12.properties.workspace,data:data3};if(vErrors === null){vErrors = [err9];}else {vErrors.push(err9);}errors++;}}else {const err10 = {instancePath:instancePath+"/workspace",schemaPath:"#/properties/workspace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.workspace.type,parentSchema:schema12.properties.workspace,data:data3};if(vErrors === null){vErrors = [err10];}else {vErrors.push(err10);}errors++;}}if(data["var-files"] !== undefined){let data4 = data["var-files"];if(Array.isArray(data4)){const len0 = data4.length;for(let i0=0; i0<len0; i0++){let data5 = data4[i0];if(typeof data5 === "string"){if(func3(data5) < 1){const err11 = {instancePath:instancePath+"/var-files/" + i0,schemaPath:"#/properties/var-files/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["var-files"].items,data:data5};if(vErrors === null){vErrors = [err11];}else {vErrors.push(err11);}errors++;}}else {const err12 = {instancePath:instancePath+"/var-files/" + i0,schemaPath:"#/properties/var-files/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["var-files"].items.type,parentSchema:schema12.properties["var-files"].items,data:data5};if(vErrors === null){vErrors = [err12];}else {vErrors.push(err12);}errors++;}}}else {const err13 = {instancePath:instancePath+"/var-files",schemaPath:"#/properties/var-files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["var-files"].type,parentSchema:schema12.properties["var-files"],data:data4};if(vErrors === null){vErrors = [err13];}else {vErrors.push(err13);}errors++;}}if(data["backend-config"] !== undefined){let data6 = data["backend-config"];if(Array.isArray(data6)){const len1 = data6.length;for(let i1=0; i1<len1; i1++){let data7 = data6[i1];if(typeof data7 === "string"){if(func3(data7) < 1){const err14 = {instancePath:instancePath+"/backend-config/" + i1,schemaPath:"#/properties/backend-config/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["backend-config"].items,data:data7};if(vErrors === null){vErrors = [err14];}else {vErrors.push(err14);}errors++;}}else {const err15 = {instancePath:instancePath+"/backend-config/" + i1,schemaPath:"#/properties/backend-config/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["backend-config"].items.type,parentSchema:schema12.properties["backend-config"].items,data:data7};if(vErrors === null){vErrors = [err15];}else {vErrors.push(err15);}errors++;}}}else {const err16 = {instancePath:instancePath+"/backend-config",schemaPath:"#/properties/backend-config/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["backend-config"].type,parentSchema:schema12.properties["backend-config"],data:data6};if(vErrors === null){vErrors = [err16];}else {vErrors.push(err16);}errors++;}}if(data["init-args"] !== undefined){let data8 = data["init-args"];if(Array.isArray(data8)){const len2 = data8.length;for(let i2=0; i2<len2; i2++){let data9 = data8[i2];if(typeof data9 === "string"){if(func3(data9) < 1){const err17 = {instancePath:instancePath+"/init-args/" + i2,schemaPath:"#/properties/init-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["init-args"].items,data:data9};if(vErrors === null){vErrors = [err17];}else {vErrors.push(err17);}errors++;}}else {const err18 = {instancePath:instancePath+"/init-args/" + i2,schemaPath:"#/properties/init-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["init-args"].items.type,parentSchema:schema12.properties["init-args"].items,data:data9};if(vErrors === null){vErrors = [err18];}else {vErrors.push(err18);}errors++;}}}else {const err19 = {instancePath:instancePath+"/init-args",schemaPath:"#/properties/init-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["init-args"].type,parentSchema:schema12.properties["init-args"],data:data8};if(vErrors === null){vErrors = [err19];}else {vErrors.push(err19);}errors++;}}if(data["plan-args"] !== undefined){let data10 = data["plan-args"];if(Array.isArray(data10)){const len3 = data10.length;for(let i3=0; i3<len3; i3++){let data11 = data10[i3];if(typeof data11 === "string"){if(func3(data11) < 1){const err20 = {instancePath:instancePath+"/plan-args/" + i3,schemaPath:"#/properties/plan-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["plan-args"].items,data:data11};if(vErrors === null){vErrors = [err20];}else {vErrors.push(err20);}errors++;}}else {const err21 = {instancePath:instancePath+"/plan-args/" + i3,schemaPath:"#/properties/plan-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["plan-args"].items.type,parentSchema:schema12.properties["plan-args"].items,data:data11};if(vErrors === null){vErrors = [err21];}else {vErrors.push(err21);}errors++;}}}else {const err22 = {instancePath:instancePath+"/plan-args",schemaPath:"#/properties/plan-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["plan-args"].type,parentSchema:schema12.properties["plan-args"],data:data10};if(vErrors === null){vErrors = [err22];}else {vErrors.push(err22);}errors++;}}if(data["apply-args"] !== undefined){let data12 = data["apply-args"];if(Array.isArray(data12)){const len4 = data12.length;for(let i4=0; i4<len4; i4++){let data13 = data12[i4];if(typeof data13 === "string"){if(func3(data13) < 1){const err23 = {instancePath:instancePath+"/apply-args/" + i4,schemaPath:"#/properties/apply-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["apply-args"].items,data:data13};if(vErrors === null){vErrors = [err23];}else {vErrors.push(err23);}errors++;}}else {const err24 = {instancePath:instancePath+"/apply-args/" + i4,schemaPath:"#/properties/apply-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["apply-args"].items.type,parentSchema:schema12.properties["apply-args"].items,data:data13};if(vErrors === null){vErrors = [err24];}else {vErrors.push(err24);}errors++;}}}else {const err25 = {instancePath:instancePath+"/apply-args",schemaPath:"#/properties/apply-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["apply-args"].type,parentSchema:schema12.properties["apply-args"],data:data12};if(vErrors === null){vErrors = [err25];}else {vErrors.push(err25);}errors++;}}if(data.env !== undefined){let data14 = data.env;if(data14 && typeof data14 == "object" && !Array.isArray(data14)){for(const key1 in data14){const _errs31 = errors;if(typeof key1 === "string"){if(!pattern1.test(key1)){const err26 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema12.properties.env.propertyNames,data:key1,propertyName:key1};if(vErrors === null){vErrors = [err26];}else {vErrors.push(err26);}errors++;}}var valid11 = _errs31 === errors;if(!valid11){const err27 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema12.properties.env.propertyNames,parentSchema:schema12.properties.env,data:data14};if(vErrors === null){vErrors = [err27];}else {vErrors.push(err27);}errors++;}}for(const key2 in data14){let data15 = data14[key2];if(((typeof data15 !== "string") && (!((typeof data15 == "number") && (isFinite(data15))))) && (typeof data15 !== "boolean")){const err28 = {instancePath:instancePath+"/env/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/env/additionalProperties/type",keyword:"type",params:{type: schema12.properties.env.additionalProperties.type},message:"must be string,number,boolean",schema:schema12.properties.env.additionalProperties.type,parentSchema:schema12.properties.env.additionalProperties,data:data15};if(vErrors === null){vErrors = [err28];}else {vErrors.push(err28);}errors++;}}}else {const err29 = {instancePath:instancePath+"/env",schemaPath:"#/properties/env/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema12.properties.env.type,parentSchema:schema12.properties.env,data:data14};if(vErrors === null){vErrors = [err29];}else {vErrors.push(err29);}errors++;}}if(data["when-modified"] !== undefined){let data16 = data["when-modified"];if(Array.isArray(data16)){const len5 = data16.length;for(let i5=0; i5<len5; i5++){let data17 = data16[i5];if(typeof data17 === "string"){if(func3(data17) < 1){const err30 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/properties/when-modified/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["when-modified"].items,data:data17};if(vErrors === null){vErrors = [err30];}else {vErrors.push(err30);}errors++;}if(!pattern2.test(data17)){const err31 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/properties/when-modified/items/pattern",keyword:"pattern",params:{pattern: "^[^!]"},message:"must match pattern \""+"^[^!]"+"\"",schema:"^[^!]",parentSchema:schema12.properties["when-modified"].items,data:data17};if(vErrors === null){vErrors = [err31];}else {vErrors.push(err31);}errors++;}}else {const err32 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/properties/when-modified/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["when-modified"].items.type,parentSchema:schema12.properties["when-modified"].items,data:data17};if(vErrors === null){vErrors = [err32];}else {vErrors.push(err32);}errors++;}}}else {const err33 = {instancePath:instancePath+"/when-modified",schemaPath:"#/properties/when-modified/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["when-modified"].type,parentSchema:schema12.properties["when-modified"],data:data16};if(vErrors === null){vErrors = [err33];}else {vErrors.push(err33);}errors++;}}if(data.playbook !== undefined){let data18 = data.playbook;if(typeof data18 === "string"){if(func3(data18) < 1){const err34 = {instancePath:instancePath+"/playbook",schemaPath:"#/properties/playbook/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.playbook,data:data18};if(vErrors === null){vErrors = [err34];}else {vErrors.push(err34);}errors++;}}else {const err35 = {instancePath:instancePath+"/playbook",schemaPath:"#/properties/playbook/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.playbook.type,parentSchema:schema12.properties.playbook,data:data18};if(vErrors === null){vErrors = [err35];}else {vErrors.push(err35);}errors++;}}if(data.inventory !== undefined){let data19 = data.inventory;if(typeof data19 === "string"){if(func3(data19) < 1){const err36 = {instancePath:instancePath+"/inventory",schemaPath:"#/properties/inventory/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.inventory,data:data19};if(vErrors === null){vErrors = [err36];}else {vErrors.push(err36);}errors++;}}else {const err37 = {instancePath:instancePath+"/inventory",schemaPath:"#/properties/inventory/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.inventory.type,parentSchema:schema12.properties.inventory,data:data19};if(vErrors === null){vErrors = [err37];}else {vErrors.push(err37);}errors++;}}if(data.limit !== undefined){let data20 = data.limit;if(typeof data20 === "string"){if(func3(data20) < 1){const err38 = {instancePath:instancePath+"/limit",schemaPath:"#/properties/limit/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.limit,data:data20};if(vErrors === null){vErrors = [err38];}else {vErrors.push(err38);}errors++;}}else {const err39 = {instancePath:instancePath+"/limit",schemaPath:"#/properties/limit/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.limit.type,parentSchema:schema12.properties.limit,data:data20};if(vErrors === null){vErrors = [err39];}else {vErrors.push(err39);}errors++;}}if(data.tags !== undefined){let data21 = data.tags;if(Array.isArray(data21)){const len6 = data21.length;for(let i6=0; i6<len6; i6++){let data22 = data21[i6];if(typeof data22 === "string"){if(func3(data22) < 1){const err40 = {instancePath:instancePath+"/tags/" + i6,schemaPath:"#/properties/tags/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.tags.items,data:data22};if(vErrors === null){vErrors = [err40];}else {vErrors.push(err40);}errors++;}}else {const err41 = {instancePath:instancePath+"/tags/" + i6,schemaPath:"#/properties/tags/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.tags.items.type,parentSchema:schema12.properties.tags.items,data:data22};if(vErrors === null){vErrors = [err41];}else {vErrors.push(err41);}errors++;}}}else {const err42 = {instancePath:instancePath+"/tags",schemaPath:"#/properties/tags/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties.tags.type,parentSchema:schema12.properties.tags,data:data21};if(vErrors === null){vErrors = [err42];}else {vErrors.push(err42);}errors++;}}if(data["extra-vars-files"] !== undefined){let data23 = data["extra-vars-files"];if(Array.isArray(data23)){const len7 = data23.length;for(let i7=0; i7<len7; i7++){let data24 = data23[i7];if(typeof data24 === "string"){if(func3(data24) < 1){const err43 = {instancePath:instancePath+"/extra-vars-files/" + i7,schemaPath:"#/properties/extra-vars-files/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["extra-vars-files"].items,data:data24};if(vErrors === null){vErrors = [err43];}else {vErrors.push(err43);}errors++;}}else {const err44 = {instancePath:instancePath+"/extra-vars-files/" + i7,schemaPath:"#/properties/extra-vars-files/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["extra-vars-files"].items.type,parentSchema:schema12.properties["extra-vars-files"].items,data:data24};if(vErrors === null){vErrors = [err44];}else {vErrors.push(err44);}errors++;}}}else {const err45 = {instancePath:instancePath+"/extra-vars-files",schemaPath:"#/properties/extra-vars-files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["extra-vars-files"].type,parentSchema:schema12.properties["extra-vars-files"],data:data23};if(vErrors === null){vErrors = [err45];}else {vErrors.push(err45);}errors++;}}if(data["check-args"] !== undefined){let data25 = data["check-args"];if(Array.isArray(data25)){const len8 = data25.length;for(let i8=0; i8<len8; i8++){let data26 = data25[i8];if(typeof data26 === "string"){if(func3(data26) < 1){const err46 = {instancePath:instancePath+"/check-args/" + i8,schemaPath:"#/properties/check-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["check-args"].items,data:data26};if(vErrors === null){vErrors = [err46];}else {vErrors.push(err46);}errors++;}}else {const err47 = {instancePath:instancePath+"/check-args/" + i8,schemaPath:"#/properties/check-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["check-args"].items.type,parentSchema:schema12.properties["check-args"].items,data:data26};if(vErrors === null){vErrors = [err47];}else {vErrors.push(err47);}errors++;}}}else {const err48 = {instancePath:instancePath+"/check-args",schemaPath:"#/properties/check-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["check-args"].type,parentSchema:schema12.properties["check-args"],data:data25};if(vErrors === null){vErrors = [err48];}else {vErrors.push(err48);}errors++;}}if(data["vault-password-env"] !== undefined){let data27 = data["vault-password-env"];if(typeof data27 === "string"){if(!pattern1.test(data27)){const err49 = {instancePath:instancePath+"/vault-password-env",schemaPath:"#/properties/vault-password-env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema12.properties["vault-password-env"],data:data27};if(vErrors === null){vErrors = [err49];}else {vErrors.push(err49);}errors++;}}else {const err50 = {instancePath:instancePath+"/vault-password-env",schemaPath:"#/properties/vault-password-env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["vault-password-env"].type,parentSchema:schema12.properties["vault-password-env"],data:data27};if(vErrors === null){vErrors = [err50];}else {vErrors.push(err50);}errors++;}}if(data["vault-password-file"] !== undefined){let data28 = data["vault-password-file"];if(typeof data28 === "string"){if(func3(data28) < 1){const err51 = {instancePath:instancePath+"/vault-password-file",schemaPath:"#/properties/vault-password-file/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["vault-password-file"],data:data28};if(vErrors === null){vErrors = [err51];}else {vErrors.push(err51);}errors++;}}else {const err52 = {instancePath:instancePath+"/vault-password-file",schemaPath:"#/properties/vault-password-file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["vault-password-file"].type,parentSchema:schema12.properties["vault-password-file"],data:data28};if(vErrors === null){vErrors = [err52];}else {vErrors.push(err52);}errors++;}}if(data.timeout !== undefined){let data29 = data.timeout;if(typeof data29 === "string"){if(!pattern4.test(data29)){const err53 = {instancePath:instancePath+"/timeout",schemaPath:"#/properties/timeout/pattern",keyword:"pattern",params:{pattern: "^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"},message:"must match pattern \""+"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"+"\"",schema:"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$",parentSchema:schema12.properties.timeout,data:data29};if(vErrors === null){vErrors = [err53];}else {vErrors.push(err53);}errors++;}}else {const err54 = {instancePath:instancePath+"/timeout",schemaPath:"#/properties/timeout/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.timeout.type,parentSchema:schema12.properties.timeout,data:data29};if(vErrors === null){vErrors = [err54];}else {vErrors.push(err54);}errors++;}}if(data["depends-on"] !== undefined){let data30 = data["depends-on"];if(Array.isArray(data30)){const len9 = data30.length;for(let i9=0; i9<len9; i9++){let data31 = data30[i9];if(typeof data31 === "string"){if(func3(data31) < 1){const err55 = {instancePath:instancePath+"/depends-on/" + i9,schemaPath:"#/properties/depends-on/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties["depends-on"].items,data:data31};if(vErrors === null){vErrors = [err55];}else {vErrors.push(err55);}errors++;}}else {const err56 = {instancePath:instancePath+"/depends-on/" + i9,schemaPath:"#/properties/depends-on/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties["depends-on"].items.type,parentSchema:schema12.properties["depends-on"].items,data:data31};if(vErrors === null){vErrors = [err56];}else {vErrors.push(err56);}errors++;}}let i10 = data30.length;let j0;if(i10 > 1){const indices0 = {};for(;i10--;){let item0 = data30[i10];if(typeof item0 !== "string"){continue;}if(typeof indices0[item0] == "number"){j0 = indices0[item0];const err57 = {instancePath:instancePath+"/depends-on",schemaPath:"#/properties/depends-on/uniqueItems",keyword:"uniqueItems",params:{i: i10, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i10+" are identical)",schema:true,parentSchema:schema12.properties["depends-on"],data:data30};if(vErrors === null){vErrors = [err57];}else {vErrors.push(err57);}errors++;break;}indices0[item0] = i10;}}}else {const err58 = {instancePath:instancePath+"/depends-on",schemaPath:"#/properties/depends-on/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties["depends-on"].type,parentSchema:schema12.properties["depends-on"],data:data30};if(vErrors === null){vErrors = [err58];}else {vErrors.push(err58);}errors++;}}if(data.apply !== undefined){let data32 = data.apply;if(data32 && typeof data32 == "object" && !Array.isArray(data32)){for(const key3 in data32){if(!((key3 === "on") || (key3 === "requirements"))){const err59 = {instancePath:instancePath+"/apply",schemaPath:"#/definitions/apply/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema13,data:data32};if(vErrors === null){vErrors = [err59];}else {vErrors.push(err59);}errors++;}}if(data32.on !== undefined){let data33 = data32.on;if(!((data33 === "comment") || (data33 === "merge"))){const err60 = {instancePath:instancePath+"/apply/on",schemaPath:"#/definitions/apply/properties/on/enum",keyword:"enum",params:{allowedValues: schema13.properties.on.enum},message:"must be equal to one of the allowed values",schema:schema13.properties.on.enum,parentSchema:schema13.properties.on,data:data33};if(vErrors === null){vErrors = [err60];}else {vErrors.push(err60);}errors++;}}if(data32.requirements !== undefined){let data34 = data32.requirements;if(Array.isArray(data34)){const len10 = data34.length;for(let i11=0; i11<len10; i11++){let data35 = data34[i11];if(!((((data35 === "approved") || (data35 === "mergeable")) || (data35 === "undiverged")) || (data35 === "plan-passed"))){const err61 = {instancePath:instancePath+"/apply/requirements/" + i11,schemaPath:"#/definitions/apply/properties/requirements/items/enum",keyword:"enum",params:{allowedValues: schema13.properties.requirements.items.enum},message:"must be equal to one of the allowed values",schema:schema13.properties.requirements.items.enum,parentSchema:schema13.properties.requirements.items,data:data35};if(vErrors === null){vErrors = [err61];}else {vErrors.push(err61);}errors++;}}let i12 = data34.length;let j1;if(i12 > 1){outer0:for(;i12--;){for(j1 = i12; j1--;){if(func0(data34[i12], data34[j1])){const err62 = {instancePath:instancePath+"/apply/requirements",schemaPath:"#/definitions/apply/properties/requirements/uniqueItems",keyword:"uniqueItems",params:{i: i12, j: j1},message:"must NOT have duplicate items (items ## "+j1+" and "+i12+" are identical)",schema:true,parentSchema:schema13.properties.requirements,data:data34};if(vErrors === null){vErrors = [err62];}else {vErrors.push(err62);}errors++;break outer0;}}}}}else {const err63 = {instancePath:instancePath+"/apply/requirements",schemaPath:"#/definitions/apply/properties/requirements/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema13.properties.requirements.type,parentSchema:schema13.properties.requirements,data:data34};if(vErrors === null){vErrors = [err63];}else {vErrors.push(err63);}errors++;}}}else {const err64 = {instancePath:instancePath+"/apply",schemaPath:"#/definitions/apply/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema13.type,parentSchema:schema13,data:data32};if(vErrors === null){vErrors = [err64];}else {vErrors.push(err64);}errors++;}}}else {const err65 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema12.type,parentSchema:schema12,data};if(vErrors === null){vErrors = [err65];}else {vErrors.push(err65);}errors++;}validate11.errors = vErrors;return errors === 0;}const schema14 = {"type":"object","additionalProperties":false,"properties":{"engine":{"$ref":"#/definitions/stack/properties/engine"},"workspace":{"$ref":"#/definitions/stack/properties/workspace"},"var-files":{"$ref":"#/definitions/stack/properties/var-files"},"backend-config":{"$ref":"#/definitions/stack/properties/backend-config"},"init-args":{"$ref":"#/definitions/stack/properties/init-args"},"plan-args":{"$ref":"#/definitions/stack/properties/plan-args"},"apply-args":{"$ref":"#/definitions/stack/properties/apply-args"},"env":{"$ref":"#/definitions/stack/properties/env"},"when-modified":{"$ref":"#/definitions/stack/properties/when-modified"},"playbook":{"$ref":"#/definitions/stack/properties/playbook"},"inventory":{"$ref":"#/definitions/stack/properties/inventory"},"limit":{"$ref":"#/definitions/stack/properties/limit"},"tags":{"$ref":"#/definitions/stack/properties/tags"},"extra-vars-files":{"$ref":"#/definitions/stack/properties/extra-vars-files"},"check-args":{"$ref":"#/definitions/stack/properties/check-args"},"vault-password-env":{"$ref":"#/definitions/stack/properties/vault-password-env"},"vault-password-file":{"$ref":"#/definitions/stack/properties/vault-password-file"},"timeout":{"$ref":"#/definitions/stack/properties/timeout"}}};const schema15 = {"enum":["terraform","tofu","ansible","terragrunt"]};const schema16 = {"type":"string","minLength":1,"pattern":"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$","patternErrorMessage":"must be a workspace name the engine accepts: letters, digits and `_ . ~ $ & + : = @ -`, not starting with `-` (the engine would read it as a flag)","default":"default"};const schema17 = {"type":"array","items":{"type":"string","minLength":1}};const schema18 = {"type":"array","items":{"type":"string","minLength":1}};const schema19 = {"type":"array","items":{"type":"string","minLength":1}};const schema20 = {"type":"array","items":{"type":"string","minLength":1}};const schema21 = {"type":"array","items":{"type":"string","minLength":1}};const schema22 = {"type":"object","propertyNames":{"pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"},"additionalProperties":{"type":["string","number","boolean"]}};const schema23 = {"type":"array","items":{"type":"string","minLength":1,"pattern":"^[^!]","patternErrorMessage":"must not start with ! (negations are not supported: when-modified only adds files to the stack)"}};const schema24 = {"type":"string","minLength":1};const schema25 = {"type":"string","minLength":1};const schema26 = {"type":"string","minLength":1};const schema27 = {"type":"array","items":{"type":"string","minLength":1}};const schema28 = {"type":"array","items":{"type":"string","minLength":1}};const schema29 = {"type":"array","items":{"type":"string","minLength":1}};const schema30 = {"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$","patternErrorMessage":"must be a valid environment variable name (letters, digits and _, not starting with a digit)"};const schema31 = {"type":"string","minLength":1};const schema32 = {"type":"string","pattern":"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$","patternErrorMessage":"must be a duration such as 90s, 30m, 1h or 1h30m"};function validate13(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){let vErrors = null;let errors = 0;if(data && typeof data == "object" && !Array.isArray(data)){for(const key0 in data){if(!(func2.call(schema14.properties, key0))){const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema14,data};if(vErrors === null){vErrors = [err0];}else {vErrors.push(err0);}errors++;}}if(data.engine !== undefined){let data0 = data.engine;if(!((((data0 === "terraform") || (data0 === "tofu")) || (data0 === "ansible")) || (data0 === "terragrunt"))){const err1 = {instancePath:instancePath+"/engine",schemaPath:"#/definitions/stack/properties/engine/enum",keyword:"enum",params:{allowedValues: schema15.enum},message:"must be equal to one of the allowed values",schema:schema15.enum,parentSchema:schema15,data:data0};if(vErrors === null){vErrors = [err1];}else {vErrors.push(err1);}errors++;}}if(data.workspace !== undefined){let data1 = data.workspace;if(typeof data1 === "string"){if(func3(data1) < 1){const err2 = {instancePath:instancePath+"/workspace",schemaPath:"#/definitions/stack/properties/workspace/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema16,data:data1};if(vErrors === null){vErrors = [err2];}else {vErrors.push(err2);}errors++;}if(!pattern0.test(data1)){const err3 = {instancePath:instancePath+"/workspace",schemaPath:"#/definitions/stack/properties/workspace/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$"},message:"must match pattern \""+"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$"+"\"",schema:"^[A-Za-z0-9_.~$&+:=@][A-Za-z0-9_.~$&+:=@-]*$",parentSchema:schema16,data:data1};if(vErrors === null){vErrors = [err3];}else {vErrors.push(err3);}errors++;}}else {const err4 = {instancePath:instancePath+"/workspace",schemaPath:"#/definitions/stack/properties/workspace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema16.type,parentSchema:schema16,data:data1};if(vErrors === null){vErrors = [err4];}else {vErrors.push(err4);}errors++;}}if(data["var-files"] !== undefined){let data2 = data["var-files"];if(Array.isArray(data2)){const len0 = data2.length;for(let i0=0; i0<len0; i0++){let data3 = data2[i0];if(typeof data3 === "string"){if(func3(data3) < 1){const err5 = {instancePath:instancePath+"/var-files/" + i0,schemaPath:"#/definitions/stack/properties/var-files/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema17.items,data:data3};if(vErrors === null){vErrors = [err5];}else {vErrors.push(err5);}errors++;}}else {const err6 = {instancePath:instancePath+"/var-files/" + i0,schemaPath:"#/definitions/stack/properties/var-files/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema17.items.type,parentSchema:schema17.items,data:data3};if(vErrors === null){vErrors = [err6];}else {vErrors.push(err6);}errors++;}}}else {const err7 = {instancePath:instancePath+"/var-files",schemaPath:"#/definitions/stack/properties/var-files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema17.type,parentSchema:schema17,data:data2};if(vErrors === null){vErrors = [err7];}else {vErrors.push(err7);}errors++;}}if(data["backend-config"] !== undefined){let data4 = data["backend-config"];if(Array.isArray(data4)){const len1 = data4.length;for(let i1=0; i1<len1; i1++){let data5 = data4[i1];if(typeof data5 === "string"){if(func3(data5) < 1){const err8 = {instancePath:instancePath+"/backend-config/" + i1,schemaPath:"#/definitions/stack/properties/backend-config/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema18.items,data:data5};if(vErrors === null){vErrors = [err8];}else {vErrors.push(err8);}errors++;}}else {const err9 = {instancePath:instancePath+"/backend-config/" + i1,schemaPath:"#/definitions/stack/properties/backend-config/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema18.items.type,parentSchema:schema18.items,data:data5};if(vErrors === null){vErrors = [err9];}else {vErrors.push(err9);}errors++;}}}else {const err10 = {instancePath:instancePath+"/backend-config",schemaPath:"#/definitions/stack/properties/backend-config/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema18.type,parentSchema:schema18,data:data4};if(vErrors === null){vErrors = [err10];}else {vErrors.push(err10);}errors++;}}if(data["init-args"] !== undefined){let data6 = data["init-args"];if(Array.isArray(data6)){const len2 = data6.length;for(let i2=0; i2<len2; i2++){let data7 = data6[i2];if(typeof data7 === "string"){if(func3(data7) < 1){const err11 = {instancePath:instancePath+"/init-args/" + i2,schemaPath:"#/definitions/stack/properties/init-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema19.items,data:data7};if(vErrors === null){vErrors = [err11];}else {vErrors.push(err11);}errors++;}}else {const err12 = {instancePath:instancePath+"/init-args/" + i2,schemaPath:"#/definitions/stack/properties/init-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema19.items.type,parentSchema:schema19.items,data:data7};if(vErrors === null){vErrors = [err12];}else {vErrors.push(err12);}errors++;}}}else {const err13 = {instancePath:instancePath+"/init-args",schemaPath:"#/definitions/stack/properties/init-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema19.type,parentSchema:schema19,data:data6};if(vErrors === null){vErrors = [err13];}else {vErrors.push(err13);}errors++;}}if(data["plan-args"] !== undefined){let data8 = data["plan-args"];if(Array.isArray(data8)){const len3 = data8.length;for(let i3=0; i3<len3; i3++){let data9 = data8[i3];if(typeof data9 === "string"){if(func3(data9) < 1){const err14 = {instancePath:instancePath+"/plan-args/" + i3,schemaPath:"#/definitions/stack/properties/plan-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema20.items,data:data9};if(vErrors === null){vErrors = [err14];}else {vErrors.push(err14);}errors++;}}else {const err15 = {instancePath:instancePath+"/plan-args/" + i3,schemaPath:"#/definitions/stack/properties/plan-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema20.items.type,parentSchema:schema20.items,data:data9};if(vErrors === null){vErrors = [err15];}else {vErrors.push(err15);}errors++;}}}else {const err16 = {instancePath:instancePath+"/plan-args",schemaPath:"#/definitions/stack/properties/plan-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema20.type,parentSchema:schema20,data:data8};if(vErrors === null){vErrors = [err16];}else {vErrors.push(err16);}errors++;}}if(data["apply-args"] !== undefined){let data10 = data["apply-args"];if(Array.isArray(data10)){const len4 = data10.length;for(let i4=0; i4<len4; i4++){let data11 = data10[i4];if(typeof data11 === "string"){if(func3(data11) < 1){const err17 = {instancePath:instancePath+"/apply-args/" + i4,schemaPath:"#/definitions/stack/properties/apply-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema21.items,data:data11};if(vErrors === null){vErrors = [err17];}else {vErrors.push(err17);}errors++;}}else {const err18 = {instancePath:instancePath+"/apply-args/" + i4,schemaPath:"#/definitions/stack/properties/apply-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema21.items.type,parentSchema:schema21.items,data:data11};if(vErrors === null){vErrors = [err18];}else {vErrors.push(err18);}errors++;}}}else {const err19 = {instancePath:instancePath+"/apply-args",schemaPath:"#/definitions/stack/properties/apply-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema21.type,parentSchema:schema21,data:data10};if(vErrors === null){vErrors = [err19];}else {vErrors.push(err19);}errors++;}}if(data.env !== undefined){let data12 = data.env;if(data12 && typeof data12 == "object" && !Array.isArray(data12)){for(const key1 in data12){const _errs35 = errors;if(typeof key1 === "string"){if(!pattern1.test(key1)){const err20 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/stack/properties/env/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema22.propertyNames,data:key1,propertyName:key1};if(vErrors === null){vErrors = [err20];}else {vErrors.push(err20);}errors++;}}var valid19 = _errs35 === errors;if(!valid19){const err21 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/stack/properties/env/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema22.propertyNames,parentSchema:schema22,data:data12};if(vErrors === null){vErrors = [err21];}else {vErrors.push(err21);}errors++;}}for(const key2 in data12){let data13 = data12[key2];if(((typeof data13 !== "string") && (!((typeof data13 == "number") && (isFinite(data13))))) && (typeof data13 !== "boolean")){const err22 = {instancePath:instancePath+"/env/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/stack/properties/env/additionalProperties/type",keyword:"type",params:{type: schema22.additionalProperties.type},message:"must be string,number,boolean",schema:schema22.additionalProperties.type,parentSchema:schema22.additionalProperties,data:data13};if(vErrors === null){vErrors = [err22];}else {vErrors.push(err22);}errors++;}}}else {const err23 = {instancePath:instancePath+"/env",schemaPath:"#/definitions/stack/properties/env/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema22.type,parentSchema:schema22,data:data12};if(vErrors === null){vErrors = [err23];}else {vErrors.push(err23);}errors++;}}if(data["when-modified"] !== undefined){let data14 = data["when-modified"];if(Array.isArray(data14)){const len5 = data14.length;for(let i5=0; i5<len5; i5++){let data15 = data14[i5];if(typeof data15 === "string"){if(func3(data15) < 1){const err24 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/definitions/stack/properties/when-modified/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema23.items,data:data15};if(vErrors === null){vErrors = [err24];}else {vErrors.push(err24);}errors++;}if(!pattern2.test(data15)){const err25 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/definitions/stack/properties/when-modified/items/pattern",keyword:"pattern",params:{pattern: "^[^!]"},message:"must match pattern \""+"^[^!]"+"\"",schema:"^[^!]",parentSchema:schema23.items,data:data15};if(vErrors === null){vErrors = [err25];}else {vErrors.push(err25);}errors++;}}else {const err26 = {instancePath:instancePath+"/when-modified/" + i5,schemaPath:"#/definitions/stack/properties/when-modified/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.items.type,parentSchema:schema23.items,data:data15};if(vErrors === null){vErrors = [err26];}else {vErrors.push(err26);}errors++;}}}else {const err27 = {instancePath:instancePath+"/when-modified",schemaPath:"#/definitions/stack/properties/when-modified/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema23.type,parentSchema:schema23,data:data14};if(vErrors === null){vErrors = [err27];}else {vErrors.push(err27);}errors++;}}if(data.playbook !== undefined){let data16 = data.playbook;if(typeof data16 === "string"){if(func3(data16) < 1){const err28 = {instancePath:instancePath+"/playbook",schemaPath:"#/definitions/stack/properties/playbook/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema24,data:data16};if(vErrors === null){vErrors = [err28];}else {vErrors.push(err28);}errors++;}}else {const err29 = {instancePath:instancePath+"/playbook",schemaPath:"#/definitions/stack/properties/playbook/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.type,parentSchema:schema24,data:data16};if(vErrors === null){vErrors = [err29];}else {vErrors.push(err29);}errors++;}}if(data.inventory !== undefined){let data17 = data.inventory;if(typeof data17 === "string"){if(func3(data17) < 1){const err30 = {instancePath:instancePath+"/inventory",schemaPath:"#/definitions/stack/properties/inventory/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema25,data:data17};if(vErrors === null){vErrors = [err30];}else {vErrors.push(err30);}errors++;}}else {const err31 = {instancePath:instancePath+"/inventory",schemaPath:"#/definitions/stack/properties/inventory/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema25.type,parentSchema:schema25,data:data17};if(vErrors === null){vErrors = [err31];}else {vErrors.push(err31);}errors++;}}if(data.limit !== undefined){let data18 = data.limit;if(typeof data18 === "string"){if(func3(data18) < 1){const err32 = {instancePath:instancePath+"/limit",schemaPath:"#/definitions/stack/properties/limit/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema26,data:data18};if(vErrors === null){vErrors = [err32];}else {vErrors.push(err32);}errors++;}}else {const err33 = {instancePath:instancePath+"/limit",schemaPath:"#/definitions/stack/properties/limit/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.type,parentSchema:schema26,data:data18};if(vErrors === null){vErrors = [err33];}else {vErrors.push(err33);}errors++;}}if(data.tags !== undefined){let data19 = data.tags;if(Array.isArray(data19)){const len6 = data19.length;for(let i6=0; i6<len6; i6++){let data20 = data19[i6];if(typeof data20 === "string"){if(func3(data20) < 1){const err34 = {instancePath:instancePath+"/tags/" + i6,schemaPath:"#/definitions/stack/properties/tags/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema27.items,data:data20};if(vErrors === null){vErrors = [err34];}else {vErrors.push(err34);}errors++;}}else {const err35 = {instancePath:instancePath+"/tags/" + i6,schemaPath:"#/definitions/stack/properties/tags/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema27.items.type,parentSchema:schema27.items,data:data20};if(vErrors === null){vErrors = [err35];}else {vErrors.push(err35);}errors++;}}}else {const err36 = {instancePath:instancePath+"/tags",schemaPath:"#/definitions/stack/properties/tags/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema27.type,parentSchema:schema27,data:data19};if(vErrors === null){vErrors = [err36];}else {vErrors.push(err36);}errors++;}}if(data["extra-vars-files"] !== undefined){let data21 = data["extra-vars-files"];if(Array.isArray(data21)){const len7 = data21.length;for(let i7=0; i7<len7; i7++){let data22 = data21[i7];if(typeof data22 === "string"){if(func3(data22) < 1){const err37 = {instancePath:instancePath+"/extra-vars-files/" + i7,schemaPath:"#/definitions/stack/properties/extra-vars-files/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema28.items,data:data22};if(vErrors === null){vErrors = [err37];}else {vErrors.push(err37);}errors++;}}else {const err38 = {instancePath:instancePath+"/extra-vars-files/" + i7,schemaPath:"#/definitions/stack/properties/extra-vars-files/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.items.type,parentSchema:schema28.items,data:data22};if(vErrors === null){vErrors = [err38];}else {vErrors.push(err38);}errors++;}}}else {const err39 = {instancePath:instancePath+"/extra-vars-files",schemaPath:"#/definitions/stack/properties/extra-vars-files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema28.type,parentSchema:schema28,data:data21};if(vErrors === null){vErrors = [err39];}else {vErrors.push(err39);}errors++;}}if(data["check-args"] !== undefined){let data23 = data["check-args"];if(Array.isArray(data23)){const len8 = data23.length;for(let i8=0; i8<len8; i8++){let data24 = data23[i8];if(typeof data24 === "string"){if(func3(data24) < 1){const err40 = {instancePath:instancePath+"/check-args/" + i8,schemaPath:"#/definitions/stack/properties/check-args/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema29.items,data:data24};if(vErrors === null){vErrors = [err40];}else {vErrors.push(err40);}errors++;}}else {const err41 = {instancePath:instancePath+"/check-args/" + i8,schemaPath:"#/definitions/stack/properties/check-args/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema29.items.type,parentSchema:schema29.items,data:data24};if(vErrors === null){vErrors = [err41];}else {vErrors.push(err41);}errors++;}}}else {const err42 = {instancePath:instancePath+"/check-args",schemaPath:"#/definitions/stack/properties/check-args/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema29.type,parentSchema:schema29,data:data23};if(vErrors === null){vErrors = [err42];}else {vErrors.push(err42);}errors++;}}if(data["vault-password-env"] !== undefined){let data25 = data["vault-password-env"];if(typeof data25 === "string"){if(!pattern1.test(data25)){const err43 = {instancePath:instancePath+"/vault-password-env",schemaPath:"#/definitions/stack/properties/vault-password-env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema30,data:data25};if(vErrors === null){vErrors = [err43];}else {vErrors.push(err43);}errors++;}}else {const err44 = {instancePath:instancePath+"/vault-password-env",schemaPath:"#/definitions/stack/properties/vault-password-env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.type,parentSchema:schema30,data:data25};if(vErrors === null){vErrors = [err44];}else {vErrors.push(err44);}errors++;}}if(data["vault-password-file"] !== undefined){let data26 = data["vault-password-file"];if(typeof data26 === "string"){if(func3(data26) < 1){const err45 = {instancePath:instancePath+"/vault-password-file",schemaPath:"#/definitions/stack/properties/vault-password-file/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema31,data:data26};if(vErrors === null){vErrors = [err45];}else {vErrors.push(err45);}errors++;}}else {const err46 = {instancePath:instancePath+"/vault-password-file",schemaPath:"#/definitions/stack/properties/vault-password-file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.type,parentSchema:schema31,data:data26};if(vErrors === null){vErrors = [err46];}else {vErrors.push(err46);}errors++;}}if(data.timeout !== undefined){let data27 = data.timeout;if(typeof data27 === "string"){if(!pattern4.test(data27)){const err47 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/stack/properties/timeout/pattern",keyword:"pattern",params:{pattern: "^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"},message:"must match pattern \""+"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"+"\"",schema:"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$",parentSchema:schema32,data:data27};if(vErrors === null){vErrors = [err47];}else {vErrors.push(err47);}errors++;}}else {const err48 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/stack/properties/timeout/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data27};if(vErrors === null){vErrors = [err48];}else {vErrors.push(err48);}errors++;}}}else {const err49 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.type,parentSchema:schema14,data};if(vErrors === null){vErrors = [err49];}else {vErrors.push(err49);}errors++;}validate13.errors = vErrors;return errors === 0;}function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){/*# sourceURL="https://github.com/stackgate/stackgate/raw/main/schema/stackgate.schema.json" */;let vErrors = null;let errors = 0;if(data && typeof data == "object" && !Array.isArray(data)){if(data.version === undefined){const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'",schema:schema11.required,parentSchema:schema11,data};if(vErrors === null){vErrors = [err0];}else {vErrors.push(err0);}errors++;}for(const key0 in data){if(!(((((((key0 === "version") || (key0 === "stacks")) || (key0 === "defaults")) || (key0 === "policies")) || (key0 === "drift")) || (key0 === "secrets")) || (key0 === "apply"))){const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema11,data};if(vErrors === null){vErrors = [err1];}else {vErrors.push(err1);}errors++;}}if(data.version !== undefined){let data0 = data.version;if(1 !== data0){const err2 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/const",keyword:"const",params:{allowedValue: 1},message:"must be equal to constant",schema:1,parentSchema:schema11.properties.version,data:data0};if(vErrors === null){vErrors = [err2];}else {vErrors.push(err2);}errors++;}}if(data.stacks !== undefined){let data1 = data.stacks;if(Array.isArray(data1)){const len0 = data1.length;for(let i0=0; i0<len0; i0++){if(!(validate11(data1[i0], {instancePath:instancePath+"/stacks/" + i0,parentData:data1,parentDataProperty:i0,rootData}))){vErrors = vErrors === null ? validate11.errors : vErrors.concat(validate11.errors);errors = vErrors.length;}}}else {const err3 = {instancePath:instancePath+"/stacks",schemaPath:"#/properties/stacks/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.stacks.type,parentSchema:schema11.properties.stacks,data:data1};if(vErrors === null){vErrors = [err3];}else {vErrors.push(err3);}errors++;}}if(data.defaults !== undefined){if(!(validate13(data.defaults, {instancePath:instancePath+"/defaults",parentData:data,parentDataProperty:"defaults",rootData}))){vErrors = vErrors === null ? validate13.errors : vErrors.concat(validate13.errors);errors = vErrors.length;}}if(data.policies !== undefined){let data4 = data.policies;if(Array.isArray(data4)){const len1 = data4.length;for(let i1=0; i1<len1; i1++){let data5 = data4[i1];const _errs12 = errors;let valid6 = false;const _errs13 = errors;if(data5 && typeof data5 == "object" && !Array.isArray(data5)){if(data5.deny === undefined){const err4 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/anyOf/0/required",keyword:"required",params:{missingProperty: "deny"},message:"must have required property '"+"deny"+"'",schema:schema33.anyOf[0].required,parentSchema:schema33.anyOf[0],data:data5};if(vErrors === null){vErrors = [err4];}else {vErrors.push(err4);}errors++;}}var _valid0 = _errs13 === errors;valid6 = valid6 || _valid0;if(!valid6){const _errs14 = errors;if(data5 && typeof data5 == "object" && !Array.isArray(data5)){if(data5["max-changes"] === undefined){const err5 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/anyOf/1/required",keyword:"required",params:{missingProperty: "max-changes"},message:"must have required property '"+"max-changes"+"'",schema:schema33.anyOf[1].required,parentSchema:schema33.anyOf[1],data:data5};if(vErrors === null){vErrors = [err5];}else {vErrors.push(err5);}errors++;}}var _valid0 = _errs14 === errors;valid6 = valid6 || _valid0;if(!valid6){const _errs15 = errors;if(data5 && typeof data5 == "object" && !Array.isArray(data5)){if(data5["require-attributes"] === undefined){const err6 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/anyOf/2/required",keyword:"required",params:{missingProperty: "require-attributes"},message:"must have required property '"+"require-attributes"+"'",schema:schema33.anyOf[2].required,parentSchema:schema33.anyOf[2],data:data5};if(vErrors === null){vErrors = [err6];}else {vErrors.push(err6);}errors++;}}var _valid0 = _errs15 === errors;valid6 = valid6 || _valid0;}}if(!valid6){const err7 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema33.anyOf,parentSchema:schema33,data:data5};if(vErrors === null){vErrors = [err7];}else {vErrors.push(err7);}errors++;}else {errors = _errs12;if(vErrors !== null){if(_errs12){vErrors.length = _errs12;}else {vErrors = null;}}}if(data5 && typeof data5 == "object" && !Array.isArray(data5)){if(data5.name === undefined){const err8 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema33.required,parentSchema:schema33,data:data5};if(vErrors === null){vErrors = [err8];}else {vErrors.push(err8);}errors++;}for(const key1 in data5){if(!(((((((key1 === "name") || (key1 === "deny")) || (key1 === "resources")) || (key1 === "unless-label")) || (key1 === "level")) || (key1 === "max-changes")) || (key1 === "require-attributes"))){const err9 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema33,data:data5};if(vErrors === null){vErrors = [err9];}else {vErrors.push(err9);}errors++;}}if(data5.name !== undefined){let data6 = data5.name;if(typeof data6 === "string"){if(func3(data6) < 1){const err10 = {instancePath:instancePath+"/policies/" + i1+"/name",schemaPath:"#/definitions/policy/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema33.properties.name,data:data6};if(vErrors === null){vErrors = [err10];}else {vErrors.push(err10);}errors++;}}else {const err11 = {instancePath:instancePath+"/policies/" + i1+"/name",schemaPath:"#/definitions/policy/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.properties.name.type,parentSchema:schema33.properties.name,data:data6};if(vErrors === null){vErrors = [err11];}else {vErrors.push(err11);}errors++;}}if(data5.deny !== undefined){let data7 = data5.deny;if(Array.isArray(data7)){if(data7.length < 1){const err12 = {instancePath:instancePath+"/policies/" + i1+"/deny",schemaPath:"#/definitions/policy/properties/deny/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema33.properties.deny,data:data7};if(vErrors === null){vErrors = [err12];}else {vErrors.push(err12);}errors++;}const len2 = data7.length;for(let i2=0; i2<len2; i2++){let data8 = data7[i2];if(!(((((((data8 === "create") || (data8 === "update")) || (data8 === "delete")) || (data8 === "replace")) || (data8 === "read")) || (data8 === "import")) || (data8 === "move"))){const err13 = {instancePath:instancePath+"/policies/" + i1+"/deny/" + i2,schemaPath:"#/definitions/policy/properties/deny/items/enum",keyword:"enum",params:{allowedValues: schema33.properties.deny.items.enum},message:"must be equal to one of the allowed values",schema:schema33.properties.deny.items.enum,parentSchema:schema33.properties.deny.items,data:data8};if(vErrors === null){vErrors = [err13];}else {vErrors.push(err13);}errors++;}}}else {const err14 = {instancePath:instancePath+"/policies/" + i1+"/deny",schemaPath:"#/definitions/policy/properties/deny/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema33.properties.deny.type,parentSchema:schema33.properties.deny,data:data7};if(vErrors === null){vErrors = [err14];}else {vErrors.push(err14);}errors++;}}if(data5.resources !== undefined){let data9 = data5.resources;if(Array.isArray(data9)){const len3 = data9.length;for(let i3=0; i3<len3; i3++){let data10 = data9[i3];if(typeof data10 === "string"){if(func3(data10) < 1){const err15 = {instancePath:instancePath+"/policies/" + i1+"/resources/" + i3,schemaPath:"#/definitions/policy/properties/resources/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema33.properties.resources.items,data:data10};if(vErrors === null){vErrors = [err15];}else {vErrors.push(err15);}errors++;}}else {const err16 = {instancePath:instancePath+"/policies/" + i1+"/resources/" + i3,schemaPath:"#/definitions/policy/properties/resources/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.properties.resources.items.type,parentSchema:schema33.properties.resources.items,data:data10};if(vErrors === null){vErrors = [err16];}else {vErrors.push(err16);}errors++;}}}else {const err17 = {instancePath:instancePath+"/policies/" + i1+"/resources",schemaPath:"#/definitions/policy/properties/resources/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema33.properties.resources.type,parentSchema:schema33.properties.resources,data:data9};if(vErrors === null){vErrors = [err17];}else {vErrors.push(err17);}errors++;}}if(data5["unless-label"] !== undefined){let data11 = data5["unless-label"];if(typeof data11 === "string"){if(func3(data11) < 1){const err18 = {instancePath:instancePath+"/policies/" + i1+"/unless-label",schemaPath:"#/definitions/policy/properties/unless-label/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema33.properties["unless-label"],data:data11};if(vErrors === null){vErrors = [err18];}else {vErrors.push(err18);}errors++;}}else {const err19 = {instancePath:instancePath+"/policies/" + i1+"/unless-label",schemaPath:"#/definitions/policy/properties/unless-label/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.properties["unless-label"].type,parentSchema:schema33.properties["unless-label"],data:data11};if(vErrors === null){vErrors = [err19];}else {vErrors.push(err19);}errors++;}}if(data5.level !== undefined){let data12 = data5.level;if(!((data12 === "error") || (data12 === "warning"))){const err20 = {instancePath:instancePath+"/policies/" + i1+"/level",schemaPath:"#/definitions/policy/properties/level/enum",keyword:"enum",params:{allowedValues: schema33.properties.level.enum},message:"must be equal to one of the allowed values",schema:schema33.properties.level.enum,parentSchema:schema33.properties.level,data:data12};if(vErrors === null){vErrors = [err20];}else {vErrors.push(err20);}errors++;}}if(data5["max-changes"] !== undefined){let data13 = data5["max-changes"];if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){const err21 = {instancePath:instancePath+"/policies/" + i1+"/max-changes",schemaPath:"#/definitions/policy/properties/max-changes/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema33.properties["max-changes"].type,parentSchema:schema33.properties["max-changes"],data:data13};if(vErrors === null){vErrors = [err21];}else {vErrors.push(err21);}errors++;}if((typeof data13 == "number") && (isFinite(data13))){if(data13 < 0 || isNaN(data13)){const err22 = {instancePath:instancePath+"/policies/" + i1+"/max-changes",schemaPath:"#/definitions/policy/properties/max-changes/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema33.properties["max-changes"],data:data13};if(vErrors === null){vErrors = [err22];}else {vErrors.push(err22);}errors++;}}}if(data5["require-attributes"] !== undefined){let data14 = data5["require-attributes"];if(data14 && typeof data14 == "object" && !Array.isArray(data14)){for(const key2 in data14){let data15 = data14[key2];if(Array.isArray(data15)){const len4 = data15.length;for(let i4=0; i4<len4; i4++){let data16 = data15[i4];if(typeof data16 === "string"){if(func3(data16) < 1){const err23 = {instancePath:instancePath+"/policies/" + i1+"/require-attributes/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/" + i4,schemaPath:"#/definitions/policy/properties/require-attributes/additionalProperties/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema33.properties["require-attributes"].additionalProperties.items,data:data16};if(vErrors === null){vErrors = [err23];}else {vErrors.push(err23);}errors++;}}else {const err24 = {instancePath:instancePath+"/policies/" + i1+"/require-attributes/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/" + i4,schemaPath:"#/definitions/policy/properties/require-attributes/additionalProperties/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.properties["require-attributes"].additionalProperties.items.type,parentSchema:schema33.properties["require-attributes"].additionalProperties.items,data:data16};if(vErrors === null){vErrors = [err24];}else {vErrors.push(err24);}errors++;}}}else {const err25 = {instancePath:instancePath+"/policies/" + i1+"/require-attributes/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/policy/properties/require-attributes/additionalProperties/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema33.properties["require-attributes"].additionalProperties.type,parentSchema:schema33.properties["require-attributes"].additionalProperties,data:data15};if(vErrors === null){vErrors = [err25];}else {vErrors.push(err25);}errors++;}}}else {const err26 = {instancePath:instancePath+"/policies/" + i1+"/require-attributes",schemaPath:"#/definitions/policy/properties/require-attributes/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.properties["require-attributes"].type,parentSchema:schema33.properties["require-attributes"],data:data14};if(vErrors === null){vErrors = [err26];}else {vErrors.push(err26);}errors++;}}}else {const err27 = {instancePath:instancePath+"/policies/" + i1,schemaPath:"#/definitions/policy/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.type,parentSchema:schema33,data:data5};if(vErrors === null){vErrors = [err27];}else {vErrors.push(err27);}errors++;}}}else {const err28 = {instancePath:instancePath+"/policies",schemaPath:"#/properties/policies/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.policies.type,parentSchema:schema11.properties.policies,data:data4};if(vErrors === null){vErrors = [err28];}else {vErrors.push(err28);}errors++;}}if(data.drift !== undefined){let data17 = data.drift;if(data17 && typeof data17 == "object" && !Array.isArray(data17)){for(const key3 in data17){if(!((((key3 === "labels") || (key3 === "assignees")) || (key3 === "dashboard")) || (key3 === "show-in-pr"))){const err29 = {instancePath:instancePath+"/drift",schemaPath:"#/properties/drift/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.drift,data:data17};if(vErrors === null){vErrors = [err29];}else {vErrors.push(err29);}errors++;}}if(data17.labels !== undefined){let data18 = data17.labels;if(Array.isArray(data18)){const len5 = data18.length;for(let i5=0; i5<len5; i5++){let data19 = data18[i5];if(typeof data19 === "string"){if(func3(data19) < 1){const err30 = {instancePath:instancePath+"/drift/labels/" + i5,schemaPath:"#/properties/drift/properties/labels/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.drift.properties.labels.items,data:data19};if(vErrors === null){vErrors = [err30];}else {vErrors.push(err30);}errors++;}}else {const err31 = {instancePath:instancePath+"/drift/labels/" + i5,schemaPath:"#/properties/drift/properties/labels/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.drift.properties.labels.items.type,parentSchema:schema11.properties.drift.properties.labels.items,data:data19};if(vErrors === null){vErrors = [err31];}else {vErrors.push(err31);}errors++;}}}else {const err32 = {instancePath:instancePath+"/drift/labels",schemaPath:"#/properties/drift/properties/labels/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.drift.properties.labels.type,parentSchema:schema11.properties.drift.properties.labels,data:data18};if(vErrors === null){vErrors = [err32];}else {vErrors.push(err32);}errors++;}}if(data17.assignees !== undefined){let data20 = data17.assignees;if(Array.isArray(data20)){const len6 = data20.length;for(let i6=0; i6<len6; i6++){let data21 = data20[i6];if(typeof data21 === "string"){if(func3(data21) < 1){const err33 = {instancePath:instancePath+"/drift/assignees/" + i6,schemaPath:"#/properties/drift/properties/assignees/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.drift.properties.assignees.items,data:data21};if(vErrors === null){vErrors = [err33];}else {vErrors.push(err33);}errors++;}}else {const err34 = {instancePath:instancePath+"/drift/assignees/" + i6,schemaPath:"#/properties/drift/properties/assignees/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.drift.properties.assignees.items.type,parentSchema:schema11.properties.drift.properties.assignees.items,data:data21};if(vErrors === null){vErrors = [err34];}else {vErrors.push(err34);}errors++;}}}else {const err35 = {instancePath:instancePath+"/drift/assignees",schemaPath:"#/properties/drift/properties/assignees/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.drift.properties.assignees.type,parentSchema:schema11.properties.drift.properties.assignees,data:data20};if(vErrors === null){vErrors = [err35];}else {vErrors.push(err35);}errors++;}}if(data17.dashboard !== undefined){let data22 = data17.dashboard;if(typeof data22 !== "boolean"){const err36 = {instancePath:instancePath+"/drift/dashboard",schemaPath:"#/properties/drift/properties/dashboard/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.drift.properties.dashboard.type,parentSchema:schema11.properties.drift.properties.dashboard,data:data22};if(vErrors === null){vErrors = [err36];}else {vErrors.push(err36);}errors++;}}if(data17["show-in-pr"] !== undefined){let data23 = data17["show-in-pr"];if(typeof data23 !== "boolean"){const err37 = {instancePath:instancePath+"/drift/show-in-pr",schemaPath:"#/properties/drift/properties/show-in-pr/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema11.properties.drift.properties["show-in-pr"].type,parentSchema:schema11.properties.drift.properties["show-in-pr"],data:data23};if(vErrors === null){vErrors = [err37];}else {vErrors.push(err37);}errors++;}}}else {const err38 = {instancePath:instancePath+"/drift",schemaPath:"#/properties/drift/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.drift.type,parentSchema:schema11.properties.drift,data:data17};if(vErrors === null){vErrors = [err38];}else {vErrors.push(err38);}errors++;}}if(data.secrets !== undefined){let data24 = data.secrets;if(data24 && typeof data24 == "object" && !Array.isArray(data24)){for(const key4 in data24){if(!(key4 === "allow")){const err39 = {instancePath:instancePath+"/secrets",schemaPath:"#/properties/secrets/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.secrets,data:data24};if(vErrors === null){vErrors = [err39];}else {vErrors.push(err39);}errors++;}}if(data24.allow !== undefined){let data25 = data24.allow;if(Array.isArray(data25)){const len7 = data25.length;for(let i7=0; i7<len7; i7++){let data26 = data25[i7];if(typeof data26 === "string"){if(func3(data26) < 1){const err40 = {instancePath:instancePath+"/secrets/allow/" + i7,schemaPath:"#/properties/secrets/properties/allow/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema11.properties.secrets.properties.allow.items,data:data26};if(vErrors === null){vErrors = [err40];}else {vErrors.push(err40);}errors++;}}else {const err41 = {instancePath:instancePath+"/secrets/allow/" + i7,schemaPath:"#/properties/secrets/properties/allow/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.secrets.properties.allow.items.type,parentSchema:schema11.properties.secrets.properties.allow.items,data:data26};if(vErrors === null){vErrors = [err41];}else {vErrors.push(err41);}errors++;}}}else {const err42 = {instancePath:instancePath+"/secrets/allow",schemaPath:"#/properties/secrets/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema11.properties.secrets.properties.allow.type,parentSchema:schema11.properties.secrets.properties.allow,data:data25};if(vErrors === null){vErrors = [err42];}else {vErrors.push(err42);}errors++;}}}else {const err43 = {instancePath:instancePath+"/secrets",schemaPath:"#/properties/secrets/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.secrets.type,parentSchema:schema11.properties.secrets,data:data24};if(vErrors === null){vErrors = [err43];}else {vErrors.push(err43);}errors++;}}if(data.apply !== undefined){let data27 = data.apply;if(data27 && typeof data27 == "object" && !Array.isArray(data27)){for(const key5 in data27){if(!((key5 === "on") || (key5 === "requirements"))){const err44 = {instancePath:instancePath+"/apply",schemaPath:"#/definitions/apply/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema13,data:data27};if(vErrors === null){vErrors = [err44];}else {vErrors.push(err44);}errors++;}}if(data27.on !== undefined){let data28 = data27.on;if(!((data28 === "comment") || (data28 === "merge"))){const err45 = {instancePath:instancePath+"/apply/on",schemaPath:"#/definitions/apply/properties/on/enum",keyword:"enum",params:{allowedValues: schema13.properties.on.enum},message:"must be equal to one of the allowed values",schema:schema13.properties.on.enum,parentSchema:schema13.properties.on,data:data28};if(vErrors === null){vErrors = [err45];}else {vErrors.push(err45);}errors++;}}if(data27.requirements !== undefined){let data29 = data27.requirements;if(Array.isArray(data29)){const len8 = data29.length;for(let i8=0; i8<len8; i8++){let data30 = data29[i8];if(!((((data30 === "approved") || (data30 === "mergeable")) || (data30 === "undiverged")) || (data30 === "plan-passed"))){const err46 = {instancePath:instancePath+"/apply/requirements/" + i8,schemaPath:"#/definitions/apply/properties/requirements/items/enum",keyword:"enum",params:{allowedValues: schema13.properties.requirements.items.enum},message:"must be equal to one of the allowed values",schema:schema13.properties.requirements.items.enum,parentSchema:schema13.properties.requirements.items,data:data30};if(vErrors === null){vErrors = [err46];}else {vErrors.push(err46);}errors++;}}let i9 = data29.length;let j0;if(i9 > 1){outer0:for(;i9--;){for(j0 = i9; j0--;){if(func0(data29[i9], data29[j0])){const err47 = {instancePath:instancePath+"/apply/requirements",schemaPath:"#/definitions/apply/properties/requirements/uniqueItems",keyword:"uniqueItems",params:{i: i9, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i9+" are identical)",schema:true,parentSchema:schema13.properties.requirements,data:data29};if(vErrors === null){vErrors = [err47];}else {vErrors.push(err47);}errors++;break outer0;}}}}}else {const err48 = {instancePath:instancePath+"/apply/requirements",schemaPath:"#/definitions/apply/properties/requirements/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema13.properties.requirements.type,parentSchema:schema13.properties.requirements,data:data29};if(vErrors === null){vErrors = [err48];}else {vErrors.push(err48);}errors++;}}}else {const err49 = {instancePath:instancePath+"/apply",schemaPath:"#/definitions/apply/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema13.type,parentSchema:schema13,data:data27};if(vErrors === null){vErrors = [err49];}else {vErrors.push(err49);}errors++;}}}else {const err50 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.type,parentSchema:schema11,data};if(vErrors === null){vErrors = [err50];}else {vErrors.push(err50);}errors++;}validate10.errors = vErrors;return errors === 0;}

;// CONCATENATED MODULE: ./src/config/types.ts
// The repository config `.stackgate.yml`, camelCased and with defaults filled in.
// Its shape is defined once, in schema/stackgate.schema.json; these types mirror it.
const APPLY_REQUIREMENTS = ['approved', 'mergeable', 'undiverged', 'plan-passed'];
/** A `backend-config` entry that is a `key=value` pair (passed as is); anything else names a file. */
function isBackendPair(entry) {
    return /^[A-Za-z_][A-Za-z0-9_.-]*=/.test(entry);
}
/** Every mistake found in the config file, each at its position. */
class ConfigError extends Error {
    problems;
    constructor(problems) {
        super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
        this.name = 'ConfigError';
        this.problems = problems;
    }
}

;// CONCATENATED MODULE: ./src/config/load.ts
// Loads `.stackgate.yml`: YAML with positions, checked against the JSON Schema, then against the repository
// (unique names, stack paths that exist inside it). Every mistake is reported at its file, line and column.






/** Reads and checks the config; `undefined` when the file does not exist. Throws `ConfigError` on mistakes. */
async function loadConfig(workspace, configPath = '.stackgate.yml', 
/** The repository root, which var files may not leave; found from `.git` upwards when not given. */
repoRoot) {
    const file = toPosix(external_node_path_default().normalize(configPath));
    try {
        return await loadConfigFile(workspace, configPath, file, repoRoot ?? (await gitRoot(workspace)));
    }
    catch (error) {
        // Every failure is a config problem at a place in the file, never a bare library message: the report
        // turns red like it does for a syntax error.
        if (error instanceof ConfigError)
            throw error;
        throw new ConfigError([
            { file, line: 1, column: 1, message: `cannot load the config: ${error.message}` },
        ]);
    }
}
async function loadConfigFile(workspace, configPath, file, repoRoot) {
    const absolutePath = external_node_path_default().resolve(workspace, configPath);
    const text = await readConfigText(absolutePath, file);
    if (text === undefined)
        return undefined;
    const lineCounter = new dist/* LineCounter */.HN();
    // prettyErrors off: yaml's own message without its code frame; the position comes from `pos`.
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const locator = new Locator(file, doc, lineCounter);
    if (doc.errors.length > 0) {
        throw new ConfigError(doc.errors.map((error) => locator.atOffset(syntaxErrorOffset(text, error), error.message)));
    }
    let data;
    try {
        // Stryker disable next-line ObjectLiteral: yaml's own default maxAliasCount is also 100; the option only makes it explicit
        data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    }
    catch (error) {
        // An alias bomb (aliases of aliases, billions of nodes) or an alias to nothing: point at the first alias.
        throw new ConfigError([
            locator.atOffset(firstAliasOffset(doc), `cannot load the YAML: ${error.message}`),
        ]);
    }
    const problems = [
        ...schemaProblems(data, locator),
        ...(await repositoryProblems(data, workspace, locator, repoRoot)),
    ];
    if (problems.length > 0)
        throw new ConfigError(sortProblems(problems));
    return toLoadedConfig(data, file, absolutePath);
}
/** Aliases a config may expand (yaml's own default): enough for sharing, far from a bomb. */
const MAX_ALIAS_COUNT = 100;
function firstAliasOffset(doc) {
    let offset = 0;
    (0,dist/* visit */.YR)(doc, {
        Alias(_key, node) {
            // Every node yaml parsed carries its range.
            offset = node.range[0];
            return dist/* visit */.YR.BREAK;
        },
    });
    return offset;
}
async function readConfigText(absolutePath, file) {
    try {
        return await (0,promises_.readFile)(absolutePath, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw new ConfigError([
            { file, line: 1, column: 1, message: `cannot read: ${error.message}` },
        ]);
    }
}
class Locator {
    file;
    doc;
    lineCounter;
    constructor(file, doc, lineCounter) {
        this.file = file;
        this.doc = doc;
        this.lineCounter = lineCounter;
    }
    atOffset(offset, message) {
        const { line, col } = this.lineCounter.linePos(offset);
        return { file: this.file, line, column: col, message };
    }
    /** The value at `segments`; an empty value (`path:`) points at its key instead. */
    atValue(segments, message) {
        const { key, value } = this.find(segments);
        const empty = (0,dist/* isScalar */.jn)(value) && value.value === null && value.source === '';
        return this.atNode(empty ? (key ?? value) : (value ?? key), message);
    }
    /** The key `name` of the mapping at `segments` (an unknown or invalid key). */
    atKey(segments, name, message) {
        const { value } = this.find(segments);
        const pair = (0,dist/* isMap */.jh)(value) ? value.items.find((item) => keyText(item.key) === name) : undefined;
        return this.atNode(pair?.key ?? value, message);
    }
    atNode(node, message) {
        // Every node yaml parsed carries its range; an empty file has no node at all.
        return this.atOffset(node ? node.range[0] : 0, message);
    }
    find(segments) {
        let value = this.resolve(this.doc.contents);
        let key;
        for (const segment of segments) {
            if ((0,dist/* isMap */.jh)(value)) {
                // The last pair of a key, as in the data: `1:` and `"1":` are two keys in YAML, one in JSON.
                const pair = value.items.findLast((item) => keyText(item.key) === segment);
                // A key merged in by `<<` (YAML 1.1) is no pair of this mapping: point at the mapping.
                if (!pair)
                    break;
                key = pair.key;
                value = this.resolve(pair.value);
            }
            else {
                // The walk follows the data ajv checked, so a value on the way that is no mapping is a list, and
                // every index an ajv instancePath or a check names exists in it.
                key = undefined;
                value = this.resolve(value.items[Number(segment)]);
            }
        }
        return { key, value };
    }
    resolve(node) {
        if ((0,dist/* isAlias */.Vj)(node))
            return node.resolve(this.doc) ?? undefined;
        return node ?? undefined;
    }
}
/** A key as the data names it: yaml turns a null key (`~:`, `null:`) into `""`. */
function keyText(key) {
    return (0,dist/* isScalar */.jn)(key) ? String(key.value ?? '') : String(key);
}
function pointerSegments(pointer) {
    if (pointer === '')
        return [];
    return pointer
        .slice(1)
        .split('/')
        .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}
function sortProblems(problems) {
    const unique = new Map(problems.map((p) => [`${p.line}:${p.column}:${p.message}`, p]));
    return [...unique.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}
// ---------------------------------------------------------------------------------------------------------
// Schema errors, rewritten for people.
function schemaProblems(data, locator) {
    if (schema_validator(data))
        return [];
    // Stryker disable next-line ArrayDeclaration: ajv sets errors whenever validate returns false
    const errors = schema_validator.errors ?? [];
    const anyOfs = errors.filter((error) => error.keyword === 'anyOf');
    const problems = [];
    for (const error of errors) {
        if (error.keyword === 'propertyNames')
            continue; // its inner error names the key
        if (anyOfs.some((anyOf) => isBranchOf(error, anyOf)))
            continue; // summarised by the anyOf error
        problems.push(describeError(error, errors, data, locator));
    }
    return problems;
}
function isBranchOf(error, anyOf) {
    return error.instancePath === anyOf.instancePath && error.schemaPath.startsWith(`${anyOf.schemaPath}/`);
}
function describeError(error, all, data, locator) {
    const segments = pointerSegments(error.instancePath);
    const label = labelOf(segments, data);
    const where = label ? ` in \`${label}\`` : '';
    const subject = label ? `\`${label}\`` : 'the config';
    const params = error.params;
    const parentSchema = (error.parentSchema ?? {});
    switch (error.keyword) {
        case 'additionalProperties': {
            const name = String(params.additionalProperty);
            const allowed = Object.keys((parentSchema.properties ?? {}));
            if (label === 'defaults' && stackOnlyKeys().includes(name)) {
                return locator.atKey(segments, name, `\`${name}\` cannot have a default: ${stackOnlyKeysReason()}`);
            }
            return locator.atKey(segments, name, `unknown key \`${name}\`${where}${suggestion(name, allowed)}`);
        }
        case 'required':
            return locator.atValue(segments, `${subject} is missing the required key \`${String(params.missingProperty)}\``);
        case 'anyOf': {
            const options = all
                // Every anyOf branch of the schema is a `required` (a test checks it).
                .filter((branch) => isBranchOf(branch, error))
                .map((branch) => `\`${String(branch.params.missingProperty)}\``);
            return locator.atValue(segments, `${subject} needs at least one of ${options.join(', ')}`);
        }
        case 'type':
            return locator.atValue(segments, `${subject} must be ${typeNames(params.type)}`);
        case 'const':
            return locator.atValue(segments, `${subject} must be ${String(params.allowedValue)} (got ${show(error.data)})`);
        case 'enum': {
            const allowed = params.allowedValues.map((value) => `\`${String(value)}\``).join(', ');
            return locator.atValue(segments, `${subject} must be one of ${allowed} (got ${show(error.data)})`);
        }
        case 'pattern': {
            const rule = String(parentSchema.patternErrorMessage);
            if (error.propertyName !== undefined) {
                return locator.atKey(segments, error.propertyName, `key \`${error.propertyName}\`${where} ${rule}`);
            }
            return locator.atValue(segments, `${subject} ${rule}`);
        }
        case 'minLength':
        case 'minItems':
            return locator.atValue(segments, `${subject} must not be empty`);
        case 'uniqueItems': {
            // Stryker disable next-line ArrayDeclaration: uniqueItems applies to lists only, so error.data is always one
            const list = Array.isArray(error.data) ? error.data : [];
            const twice = list[Number(params.i)];
            return locator.atValue(segments, `${subject} lists ${show(twice)} more than once`);
        }
        case 'minimum':
            return locator.atValue(segments, `${subject} must be at least ${String(params.limit)}`);
        // Stryker disable next-line all: every keyword the schema uses has its own case above
        default:
            // Stryker disable next-line all: every keyword the schema uses has its own case above
            return locator.atValue(segments, `${subject} ${error.message ?? 'is not valid'}`);
    }
}
/** `stacks[0].var-files`, using the data to tell list indexes from keys. */
function labelOf(segments, data) {
    let label = '';
    let current = data;
    for (const segment of segments) {
        if (Array.isArray(current)) {
            label += `[${segment}]`;
            current = current[Number(segment)];
        }
        else {
            label += label ? `.${segment}` : segment;
            // Stryker disable next-line OptionalChaining: an ajv instancePath names values that exist, so current is never undefined before its last segment
            current = current?.[segment];
        }
    }
    return label;
}
// The lists below are built on each call, not once at import: a change to them must reach the tests that use
// them (mutation testing attributes module-level code to whichever test loaded the module first).
const typeNameTable = () => ({
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
});
function typeNames(type) {
    const types = Array.isArray(type) ? type : String(type).split(',');
    const table = typeNameTable();
    return types.map((name) => table[name] ?? name).join(' or ');
}
function show(value) {
    // With verbose on, ajv always gives error.data, and a uniqueItems index is inside its list.
    return `\`${JSON.stringify(value)}\``;
}
/**
 * Where to point for a YAML syntax error. An unclosed quote is found where the parser gave up (often the end of
 * the file); the person needs the line where the quote opened.
 */
function syntaxErrorOffset(text, error) {
    const quote = /Missing closing (["'])quote/.exec(error.message)?.[1];
    if (!quote)
        return error.pos[0];
    // Stryker disable next-line ArithmeticOperator: pos[0] is the text's length, and any start past its end searches all of it
    // The quote the message names opened in the text, so it is always found.
    return text.lastIndexOf(quote, Math.max(0, error.pos[0] - 1));
}
/** `; did you mean `var-files`?` for a close key, else the list of allowed keys. */
function suggestion(name, allowed) {
    let best;
    let bestDistance = Infinity;
    for (const candidate of allowed) {
        const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
        if (distance < bestDistance)
            [best, bestDistance] = [candidate, distance];
    }
    // A third of the name may be wrong (var_file → var-files); beyond that a guess misleads more than helps.
    // Without any allowed key, bestDistance stays Infinity: best is set whenever this holds.
    if (bestDistance <= Math.max(2, Math.floor(name.length / 3))) {
        return `; did you mean \`${best}\`?`;
    }
    return allowed.length > 0 ? ` (allowed: ${allowed.map((key) => `\`${key}\``).join(', ')})` : '';
}
function levenshtein(a, b) {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
            current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
        }
        previous = current;
    }
    return previous[b.length] ?? 0;
}
// ---------------------------------------------------------------------------------------------------------
// Checks the schema cannot express: unique names, stack paths inside the repository, positive timeouts.
// They run on whatever parts have the right types, so one run reports every mistake.
async function repositoryProblems(data, workspace, locator, repoRoot) {
    const config = isObject(data) ? data : {};
    // Stryker disable next-line ArrayDeclaration: every check skips a string item, as it skips an empty list
    const stacks = Array.isArray(config.stacks) ? config.stacks : [];
    // Stryker disable next-line ArrayDeclaration: every check skips a string item, as it skips an empty list
    const policies = Array.isArray(config.policies) ? config.policies : [];
    const defaults = isObject(config.defaults) ? config.defaults : {};
    const problems = [
        ...duplicateNames(stacks, 'stacks', 'stack', locator),
        ...duplicateNames(policies, 'policies', 'policy', locator),
        ...dependencyProblems(stacks, locator),
        ...engineArgProblems(defaults, ['defaults'], locator),
        ...defaultsProblems(defaults, config.stacks === undefined, locator),
    ];
    const realWorkspace = await (0,promises_.realpath)(workspace);
    for (const [index, own] of stacks.entries()) {
        if (!isObject(own))
            continue;
        const stack = withDefaults(own, defaults);
        // Where a key's value was written: in the stack, or in `defaults` (then the message names the stack).
        const at = (key, ...rest) => key in own ? ['stacks', String(index), key, ...rest] : ['defaults', key, ...rest];
        const forStack = (key, message) => key in own ? message : `${message} (the default, for stack \`${String(own.name)}\`)`;
        if (typeof stack.path === 'string') {
            const message = await stackPathProblem(stack.path, stack.engine, workspace, realWorkspace);
            if (message)
                problems.push(locator.atValue(['stacks', String(index), 'path'], message));
        }
        if (Array.isArray(stack['var-files'])) {
            for (const [fileIndex, varFile] of stack['var-files'].entries()) {
                if (typeof varFile !== 'string' || typeof stack.path !== 'string')
                    continue;
                const message = await varFileProblem(varFile, stack.path, workspace, repoRoot);
                if (message) {
                    problems.push(locator.atValue(at('var-files', String(fileIndex)), forStack('var-files', message)));
                }
            }
        }
        if (Array.isArray(stack['backend-config'])) {
            for (const [entryIndex, entry] of stack['backend-config'].entries()) {
                if (typeof entry !== 'string' || typeof stack.path !== 'string' || isBackendPair(entry))
                    continue;
                const message = await varFileProblem(entry, stack.path, workspace, repoRoot, 'backend config file');
                if (message) {
                    problems.push(locator.atValue(at('backend-config', String(entryIndex)), forStack('backend-config', message)));
                }
            }
        }
        problems.push(...engineArgProblems(own, ['stacks', String(index)], locator));
        problems.push(...(await engineKeyProblems(own, stack, index, workspace, locator, at, forStack)));
        if (typeof stack.timeout === 'string' &&
            DURATION.test(stack.timeout) &&
            parseDuration(stack.timeout) === 0) {
            problems.push(locator.atValue(at('timeout'), 'timeout must be longer than zero'));
        }
    }
    return problems;
}
/** Stack keys that only a stack itself can set: `defaults` refuses them. */
const stackOnlyKeys = () => ['name', 'path', 'depends-on', 'apply'];
const stackOnlyKeysReason = () => 'each stack sets its own `name`, `path` and `depends-on`; apply settings for every stack are the top-level `apply`';
/**
 * A stack with the defaults for the keys it does not set. A stack's own value replaces the default whole (lists
 * and mappings are not merged), except `env`, merged by variable name with the stack's value winning. A key of
 * one engine (Ansible's `playbook`, Terraform's `var-files`) is given only to stacks of that engine.
 */
function withDefaults(stack, defaults) {
    const merged = { ...stack };
    const engine = 'engine' in stack ? stack.engine : defaults.engine;
    for (const [key, value] of Object.entries(defaults)) {
        if (!keyFitsEngine(key, engine))
            continue;
        if (key === 'env' && isObject(value) && isObject(stack.env))
            merged.env = { ...value, ...stack.env };
        else if (!(key in stack))
            merged[key] = value;
    }
    return merged;
}
function keyFitsEngine(key, engine) {
    if (ansibleKeys().includes(key))
        return engine === 'ansible';
    if (terraformKeys().includes(key))
        return engine !== 'ansible';
    return true;
}
/** Without `stacks`, discovery finds Terraform/OpenTofu folders: a default engine of another kind cannot fit. */
function defaultsProblems(defaults, discovering, locator) {
    if (!discovering || defaults.engine !== 'ansible')
        return [];
    return [
        locator.atValue(['defaults', 'engine'], 'without `stacks`, the stacks are the Terraform/OpenTofu folders discovery finds: `engine: ansible` cannot be their default (declare the Ansible stacks under `stacks`)'),
    ];
}
const ansibleKeys = () => [
    'playbook',
    'inventory',
    'limit',
    'tags',
    'extra-vars-files',
    'check-args',
    'vault-password-env',
    'vault-password-file',
];
const terraformKeys = () => [
    'workspace',
    'var-files',
    'backend-config',
    'init-args',
    'plan-args',
    'apply-args',
];
const everyStep = () => ['init-args', 'plan-args', 'apply-args'];
/** Options Stackgate sets itself or that would break its flow, with the steps they are refused in and why. */
const refusedOptions = () => [
    { option: '-input', keys: everyStep(), reason: 'Stackgate never prompts (it sets -input=false)' },
    {
        option: '-json',
        keys: everyStep(),
        reason: 'Stackgate reads the machine-readable output itself (it sets -json)',
    },
    { option: '-no-color', keys: everyStep(), reason: 'Stackgate sets it already' },
    { option: '-chdir', keys: everyStep(), reason: 'the stack runs in its `path`; set `path` instead' },
    {
        option: '-out',
        keys: ['plan-args'],
        reason: 'Stackgate saves the plan itself, to apply exactly what was reviewed',
    },
    {
        option: '-detailed-exitcode',
        keys: ['plan-args'],
        reason: 'Stackgate reads the exit status itself (it sets -detailed-exitcode)',
    },
    {
        option: '-refresh-only',
        keys: ['plan-args', 'apply-args'],
        reason: 'drift runs plan with -refresh-only themselves; a pull request plans the configuration',
    },
    {
        option: '-destroy',
        keys: ['plan-args', 'apply-args'],
        reason: 'a destroy plan would hide the changes under review; remove the resources from the configuration instead',
    },
    {
        option: '-auto-approve',
        keys: ['apply-args'],
        reason: 'apply runs the reviewed saved plan, which needs no approval',
    },
    {
        option: '-var-file',
        keys: ['plan-args', 'apply-args'],
        reason: 'use the stack key `var-files`, which also counts the file as an input of the stack',
    },
    {
        option: '-backend-config',
        keys: ['init-args'],
        reason: 'use the stack key `backend-config`, which also counts the file as an input of the stack',
    },
    { option: '-backend', keys: ['init-args'], reason: 'plan and apply need the backend' },
    { option: '-migrate-state', keys: ['init-args'], reason: 'Stackgate never moves state' },
    { option: '-force-copy', keys: ['init-args'], reason: 'Stackgate never moves state' },
    {
        option: '-var',
        keys: ['apply-args'],
        reason: 'apply runs the saved plan, which holds the variables; put -var in `plan-args`',
    },
    {
        option: '-target',
        keys: ['apply-args'],
        reason: 'apply runs the saved plan exactly; put -target in `plan-args`',
    },
    {
        option: '-replace',
        keys: ['apply-args'],
        reason: 'apply runs the saved plan exactly; put -replace in `plan-args`',
    },
];
/** Options in `init-args`, `plan-args` and `apply-args` that would break the flow, or are no options at all. */
function engineArgProblems(stack, where, locator) {
    const problems = [];
    for (const key of everyStep()) {
        const args = stack[key];
        if (!Array.isArray(args))
            continue;
        for (const [argIndex, arg] of args.entries()) {
            if (typeof arg !== 'string' || arg === '')
                continue;
            const at = [...where, key, String(argIndex)];
            if (!arg.startsWith('-')) {
                problems.push(locator.atValue(at, `\`${key}\` takes options starting with - (got \`${arg}\`); the stack's folder and plan file are Stackgate's`));
                continue;
            }
            const option = arg.replace(/^--/, '-').split('=')[0] ?? arg;
            const refused = refusedOptions().find((entry) => entry.option === option && entry.keys.includes(key));
            if (refused) {
                problems.push(locator.atValue(at, `\`${option}\` is not allowed in \`${key}\`: ${refused.reason}`));
            }
        }
    }
    return problems;
}
/** Keys of the other engine, a missing playbook or inventory, and Ansible files that do not exist. */
async function engineKeyProblems(own, stack, index, workspace, locator, where, forStack) {
    const at = ['stacks', String(index)];
    const problems = [];
    const ansible = stack.engine === 'ansible';
    // Only the stack's own keys: a default of the other engine is simply not given to it.
    for (const key of ansible ? terraformKeys() : ansibleKeys()) {
        if (key in own) {
            const message = ansible
                ? `\`${key}\` is for Terraform/OpenTofu stacks; an Ansible stack takes ${ansibleKeys()
                    .slice(0, 6)
                    .map((k) => `\`${k}\``)
                    .join(', ')}`
                : `\`${key}\` is for Ansible stacks only (add \`engine: ansible\`)`;
            problems.push(locator.atKey(at, key, message));
        }
    }
    if (!ansible || typeof stack.path !== 'string')
        return problems;
    const stackPath = normalizeStackPath(stack.path);
    const info = await (0,promises_.stat)(external_node_path_default().resolve(workspace, stackPath)).catch(() => undefined);
    if (!info)
        return problems; // the path problem is reported already
    const folder = info.isDirectory() ? stackPath : external_node_path_default().posix.dirname(stackPath);
    if (stack.playbook === undefined && info.isDirectory()) {
        problems.push(locator.atValue(at, `Ansible stack \`${String(stack.name)}\` is missing the required key \`playbook\``));
    }
    if (stack.inventory === undefined) {
        problems.push(locator.atValue(at, `Ansible stack \`${String(stack.name)}\` is missing the required key \`inventory\``));
    }
    const files = [
        ['playbook', where('playbook'), stack.playbook],
        ['inventory', where('inventory'), stack.inventory],
        ...(Array.isArray(stack['extra-vars-files'])
            ? stack['extra-vars-files'].map((file, i) => [
                'extra-vars-files',
                where('extra-vars-files', String(i)),
                file,
            ])
            : []),
    ];
    for (const [key, at, file] of files) {
        // An empty name (refused by the schema) joins to the stack's folder, which exists: nothing more to say.
        if (typeof file !== 'string')
            continue;
        const relative = external_node_path_default().posix.normalize(external_node_path_default().posix.join(folder, file));
        if (external_node_path_default().posix.isAbsolute(file) || relative === '..' || relative.startsWith('../')) {
            problems.push(locator.atValue(at, forStack(key, `\`${file}\` must be relative to the stack and inside the repository`)));
        }
        else if (!(await (0,promises_.stat)(external_node_path_default().resolve(workspace, relative)).catch(() => undefined))) {
            problems.push(locator.atValue(at, forStack(key, `\`${file}\` does not exist (looked for ${relative})`)));
        }
    }
    return problems;
}
/**
 * `depends-on` names stacks of this file, not the stack itself, and forms no cycle. An unknown name is reported at
 * its list item (with the closest name); a cycle once, at the `depends-on` key of its first stack in the file,
 * naming the whole loop.
 */
function dependencyProblems(stacks, locator) {
    const problems = [];
    const names = stacks.flatMap((stack) => isObject(stack) && typeof stack.name === 'string' ? [stack.name] : []);
    const edges = new Map();
    const indexOf = new Map();
    for (const [index, stack] of stacks.entries()) {
        if (!isObject(stack) || !Array.isArray(stack['depends-on']))
            continue;
        const name = typeof stack.name === 'string' ? stack.name : undefined;
        for (const [item, dependency] of stack['depends-on'].entries()) {
            if (typeof dependency !== 'string' || dependency === '')
                continue;
            const at = ['stacks', String(index), 'depends-on', String(item)];
            if (dependency === name) {
                problems.push(locator.atValue(at, `stack \`${name}\` cannot depend on itself`));
            }
            else if (!names.includes(dependency)) {
                const others = names.filter((other) => other !== name);
                problems.push(locator.atValue(at, `\`depends-on\` names no stack of this file: \`${dependency}\`${suggestion(dependency, others)}`));
            }
        }
        if (name !== undefined && !indexOf.has(name)) {
            // Every dependency but the stack itself: a name of no stack, or no name at all (both reported above), leads
            // nowhere and closes no cycle.
            edges.set(name, stack['depends-on'].filter((dependency) => dependency !== name));
            indexOf.set(name, index);
        }
    }
    for (const cycle of dependencyCycles(edges)) {
        const first = cycle[0];
        problems.push(locator.atKey(['stacks', String(indexOf.get(first))], 'depends-on', `\`depends-on\` forms a cycle: ${[...cycle, first].map((name) => `\`${name}\``).join(' → ')}; a stack cannot wait for itself`));
    }
    return problems;
}
/** Each cycle of the graph once, starting at its stack that comes first in `edges` (the file's order). */
function dependencyCycles(edges) {
    const order = [...edges.keys()];
    const done = new Set();
    const cycles = [];
    // The trail is the walk so far, ending at the stack visited now.
    const visit = (trail) => {
        const name = trail.at(-1);
        const at = trail.indexOf(name);
        if (at < trail.length - 1) {
            const cycle = trail.slice(at, -1);
            // Rotate so the stack earliest in the file leads. Each loop is found once: every stack is walked once
            // (`done`), so each edge is looked at once, and a loop is found only at its closing edge.
            // Stryker disable next-line EqualityOperator: the stacks of a loop are distinct, so their indexes never tie
            const start = cycle.reduce((best, item) => (order.indexOf(item) < order.indexOf(best) ? item : best));
            cycles.push([...cycle.slice(cycle.indexOf(start)), ...cycle.slice(0, cycle.indexOf(start))]);
            return;
        }
        if (done.has(name))
            return;
        for (const next of edges.get(name) ?? [])
            visit([...trail, next]);
        done.add(name);
    };
    for (const name of order)
        visit([name]);
    return cycles;
}
function duplicateNames(items, key, kind, locator) {
    const firstLine = new Map();
    const problems = [];
    for (const [index, item] of items.entries()) {
        if (!isObject(item) || typeof item.name !== 'string')
            continue;
        const at = [key, String(index), 'name'];
        const first = firstLine.get(item.name);
        if (first === undefined) {
            // Stryker disable next-line StringLiteral: only the line of this position is used
            firstLine.set(item.name, locator.atValue(at, '').line);
        }
        else {
            problems.push(locator.atValue(at, `duplicate ${kind} name \`${item.name}\` (first used on line ${first})`));
        }
    }
    return problems;
}
/** Why a stack path is unusable, or undefined when it is a folder inside the repository. */
async function stackPathProblem(raw, engine, workspace, realWorkspace) {
    const shown = `stack path \`${raw}\``;
    // Windows' rule takes in both `C:\infra` and the POSIX `/infra`.
    if (external_node_path_default().win32.isAbsolute(raw))
        return `${shown} must be relative to the repository`;
    const normalized = normalizeStackPath(raw);
    if (normalized === '..' || normalized.startsWith('../'))
        return `${shown} is outside the repository`;
    const absolute = external_node_path_default().resolve(workspace, normalized);
    const info = await (0,promises_.stat)(absolute).catch(() => undefined);
    if (!info)
        return `${shown} does not exist`;
    // `stat` follows symlinks: compare real paths so a link cannot lead the engine outside the checkout.
    const real = await (0,promises_.realpath)(absolute);
    if (!isInside(realWorkspace, real))
        return `${shown} resolves through a symlink to ${real}, outside the repository`;
    // An Ansible stack may name its playbook file; Terraform/OpenTofu stacks are folders.
    if (!info.isDirectory() && engine !== 'ansible')
        return `${shown} is not a folder`;
    if (engine === 'terragrunt' &&
        !(await (0,promises_.stat)(external_node_path_default().join(absolute, 'terragrunt.hcl')).catch(() => undefined))) {
        return `${shown} holds no terragrunt.hcl: a Terragrunt stack is a unit's folder`;
    }
    return undefined;
}
/**
 * Why a var file is unusable: absolute, or leaving the repository (`../` past its root, or a symlink that leads
 * out). A var file outside the stack's folder but inside the repository is fine.
 */
async function varFileProblem(raw, stackPath, workspace, repoRoot, kind = 'var file') {
    const shown = `${kind} \`${raw}\``;
    if (external_node_path_default().posix.isAbsolute(raw) || external_node_path_default().win32.isAbsolute(raw) || /^~/.test(raw)) {
        return `${shown} must be relative to the stack's folder, inside the repository`;
    }
    if (repoRoot === undefined)
        return undefined;
    const joined = external_node_path_default().posix.normalize(`${normalizeStackPath(stackPath)}/${raw.replace(/\\/g, '/')}`);
    const absolute = external_node_path_default().resolve(workspace, joined);
    if (!isInside(external_node_path_default().resolve(repoRoot), absolute))
        return `${shown} is outside the repository`;
    const [real, realRoot] = await Promise.all([
        (0,promises_.realpath)(absolute).catch(() => undefined),
        // Stryker disable next-line ArrowFunction: the repository holds the workspace, which exists, so its realpath does not fail
        (0,promises_.realpath)(repoRoot).catch(() => external_node_path_default().resolve(repoRoot)),
    ]);
    if (real !== undefined && !isInside(realRoot, real)) {
        return `${shown} resolves through a symlink to ${real}, outside the repository`;
    }
    return undefined;
}
/** The repository holding `folder`: the nearest folder upwards with a `.git`, if any. */
async function gitRoot(folder) {
    for (let dir = external_node_path_default().resolve(folder);; dir = external_node_path_default().dirname(dir)) {
        if (await (0,promises_.stat)(external_node_path_default().join(dir, '.git')).catch(() => undefined))
            return dir;
        if (external_node_path_default().dirname(dir) === dir)
            return undefined;
    }
}
function isInside(root, target) {
    const relative = external_node_path_default().relative(root, target);
    return !relative.startsWith('..') && !external_node_path_default().isAbsolute(relative);
}
/** Posix, normalised, no trailing slash, `.` for the root. */
function normalizeStackPath(raw) {
    // Stryker disable next-line Regex: path.posix.normalize collapses repeated slashes, so at most one trails
    const normalized = external_node_path_default().posix.normalize(raw).replace(/\/+$/, '');
    return normalized === '' ? '.' : normalized;
}
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** `90s`, `30m`, `1h30m` → milliseconds. */
function parseDuration(text) {
    const match = DURATION.exec(text);
    if (!match)
        throw new Error(`not a duration: ${text}`);
    const [hours, minutes, seconds] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0));
    return (((hours ?? 0) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1000;
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function toPosix(file) {
    return file.split((external_node_path_default()).sep).join('/');
}
function toLoadedConfig(raw, file, absolutePath) {
    return {
        file,
        absolutePath,
        version: raw.version,
        stacks: raw.stacks?.map((stack) => configuredStack(stack, raw.defaults)),
        ...(raw.defaults ? { defaults: { ...raw.defaults } } : {}),
        policies: (raw.policies ?? []).map(toPolicyConfig),
        secrets: { allow: raw.secrets?.allow ?? [] },
        apply: {
            on: raw.apply?.on ?? 'comment',
            requirements: raw.apply?.requirements ?? [...APPLY_REQUIREMENTS],
        },
        drift: {
            labels: raw.drift?.labels ?? [],
            assignees: raw.drift?.assignees ?? [],
            dashboard: raw.drift?.dashboard ?? true,
            showInPr: raw.drift?.['show-in-pr'] ?? true,
        },
    };
}
/**
 * A stack of the config, or one discovery found (`{ name, path }`), with the config's `defaults` for the keys it
 * does not set (see `withDefaults`).
 */
function configuredStack(stack, defaults) {
    const raw = defaults ? withDefaults({ ...stack }, { ...defaults }) : stack;
    return toStackConfig(raw);
}
function toStackConfig(raw) {
    const stack = {
        name: raw.name,
        path: normalizeStackPath(raw.path),
        workspace: raw.workspace ?? 'default',
        varFiles: raw['var-files'] ?? [],
        env: Object.fromEntries(Object.entries(raw.env ?? {}).map(([key, value]) => [key, String(value)])),
        whenModified: raw['when-modified'] ?? [],
    };
    if (raw.engine)
        stack.engine = raw.engine;
    if (raw['backend-config'])
        stack.backendConfig = [...raw['backend-config']];
    if (raw['init-args'])
        stack.initArgs = [...raw['init-args']];
    if (raw['plan-args'])
        stack.planArgs = [...raw['plan-args']];
    if (raw['apply-args'])
        stack.applyArgs = [...raw['apply-args']];
    if (raw.timeout)
        stack.timeoutMs = parseDuration(raw.timeout);
    if (raw['depends-on']?.length)
        stack.dependsOn = [...raw['depends-on']];
    if (raw.apply) {
        stack.apply = {
            ...(raw.apply.on ? { on: raw.apply.on } : {}),
            ...(raw.apply.requirements ? { requirements: [...raw.apply.requirements] } : {}),
        };
    }
    if (raw.engine === 'ansible') {
        // Without `playbook` the path names the playbook file (the loader checked): the stack is its folder.
        const playbook = raw.playbook ?? external_node_path_default().posix.basename(stack.path);
        if (raw.playbook === undefined)
            stack.path = external_node_path_default().posix.dirname(stack.path);
        const ansible = {
            playbook,
            inventory: raw.inventory ?? '',
            tags: raw.tags ?? [],
            extraVarsFiles: raw['extra-vars-files'] ?? [],
            checkArgs: raw['check-args'] ?? [],
        };
        if (raw.limit)
            ansible.limit = raw.limit;
        if (raw['vault-password-env'])
            ansible.vaultPasswordEnv = raw['vault-password-env'];
        if (raw['vault-password-file'])
            ansible.vaultPasswordFile = raw['vault-password-file'];
        stack.ansible = ansible;
    }
    return stack;
}
function toPolicyConfig(raw) {
    const policy = {
        name: raw.name,
        deny: raw.deny ?? [],
        level: raw.level ?? 'error',
        requireAttributes: raw['require-attributes'] ?? {},
    };
    if (raw.resources)
        policy.resources = raw.resources;
    if (raw['unless-label'])
        policy.unlessLabel = raw['unless-label'];
    if (raw['max-changes'] !== undefined)
        policy.maxChanges = raw['max-changes'];
    return policy;
}


/***/ }),

/***/ 602:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  IN: () => (/* reexport */ engineEnvironment),
  Ec: () => (/* binding */ engineFor),
  IC: () => (/* binding */ resolveEngineChoice)
});

// UNUSED EXPORTS: engineNamed

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
;// CONCATENATED MODULE: ./src/process/exec.ts
// The only module that spawns processes. Arguments are always arrays (never a shell string), output is
// capped, and a timeout kills the whole process tree.



const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
const KILL_GRACE_MS = 5000;
/** Keeps the head and the tail of a stream within a byte budget. */
class CappedBuffer {
    limit;
    head = [];
    tail = [];
    headBytes = 0;
    tailBytes = 0;
    dropped = 0;
    constructor(limit) {
        this.limit = limit;
    }
    push(chunk) {
        const half = Math.floor(this.limit / 2);
        if (this.headBytes < half) {
            const take = chunk.subarray(0, half - this.headBytes);
            this.head.push(take);
            this.headBytes += take.length;
            chunk = chunk.subarray(take.length);
        }
        if (chunk.length === 0)
            return;
        this.tail.push(chunk);
        this.tailBytes += chunk.length;
        while (this.tailBytes > half && this.tail.length > 0) {
            const first = this.tail[0];
            const excess = this.tailBytes - half;
            if (first.length <= excess) {
                this.tail.shift();
                this.tailBytes -= first.length;
                this.dropped += first.length;
            }
            else {
                this.tail[0] = first.subarray(excess);
                this.tailBytes -= excess;
                this.dropped += excess;
            }
        }
    }
    text() {
        const head = Buffer.concat(this.head).toString('utf8');
        const tail = Buffer.concat(this.tail).toString('utf8');
        if (this.dropped === 0)
            return head + tail;
        return `${head}\n… ${this.dropped} bytes of output omitted …\n${tail}`;
    }
}
function signalGroup(pid, signal) {
    if (pid === undefined)
        return;
    try {
        process.kill(-pid, signal); // the child leads its own process group
    }
    catch {
        // the group is gone already
    }
}
/** Process groups still running, so a cancelled job can stop them instead of leaving them to PID 1. */
const liveGroups = new Set();
let cancelHandlersInstalled = false;
/** On cancellation (SIGINT/SIGTERM from the runner) stop every engine, then end with the signal's status. */
function installCancelHandlers() {
    if (cancelHandlersInstalled)
        return;
    cancelHandlersInstalled = true;
    for (const signal of ['SIGINT', 'SIGTERM']) {
        process.once(signal, () => {
            process.stderr.write(`Received ${signal}: stopping ${liveGroups.size} engine process(es)\n`);
            for (const pid of liveGroups)
                signalGroup(pid, 'SIGTERM');
            setTimeout(() => {
                for (const pid of liveGroups)
                    signalGroup(pid, 'SIGKILL');
                process.exit(signal === 'SIGINT' ? 130 : 143);
            }, 2000);
            if (liveGroups.size === 0)
                process.exit(signal === 'SIGINT' ? 130 : 143);
        });
    }
}
/** When set, every process is appended to this file as one JSON line (`npm run bench` reads it). */
let traceFile;
/** Records each process's command, first argument, start and end (epoch ms) to `file` (undefined: off). */
function traceProcessesTo(file) {
    traceFile = file || undefined;
}
function trace(command, args, started) {
    if (!traceFile)
        return;
    const entry = { command: command.split('/').pop(), step: args[0] ?? '', start: started, end: Date.now() };
    try {
        (0,external_node_fs_.appendFileSync)(traceFile, `${JSON.stringify(entry)}\n`);
    }
    catch {
        // tracing must never change a run
    }
}
function execFile(command, args, options) {
    const started = Date.now();
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const stdout = new CappedBuffer(limit);
    const stderr = new CappedBuffer(limit);
    return new Promise((resolve) => {
        let timedOut = false;
        let spawnError;
        const child = (0,external_node_child_process_namespaceObject.spawn)(command, args, {
            cwd: options.cwd,
            env: options.env,
            // Standard input is a pipe closed at once (after `input`, when given): an end of file, like /dev/null.
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
        });
        // A process that exits without reading its input must not fail the run (EPIPE).
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
        let escalation;
        const timer = options.timeoutMs !== undefined
            ? setTimeout(() => {
                timedOut = true;
                signalGroup(child.pid, 'SIGTERM');
                // A process that ignores SIGTERM gets SIGKILL; the timer keeps the action alive until then.
                escalation = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
            }, options.timeoutMs)
            : undefined;
        installCancelHandlers();
        if (child.pid !== undefined)
            liveGroups.add(child.pid);
        child.stdout.on('data', (chunk) => stdout.push(chunk));
        child.stderr.on('data', (chunk) => stderr.push(chunk));
        child.on('error', (error) => {
            spawnError = error.code === 'ENOENT' ? `'${command}' was not found on PATH` : error.message;
        });
        child.on('close', (exitCode, signal) => {
            if (child.pid !== undefined)
                liveGroups.delete(child.pid);
            if (timer)
                clearTimeout(timer);
            if (escalation)
                clearTimeout(escalation);
            // After a timeout nothing of the tree may outlive the run, even a child that ignored SIGTERM.
            if (timedOut)
                signalGroup(child.pid, 'SIGKILL');
            trace(command, args, started);
            resolve({
                command,
                args,
                exitCode,
                signal,
                stdout: stdout.text(),
                stderr: stderr.text(),
                timedOut,
                spawnError,
                durationMs: Date.now() - started,
            });
        });
    });
}
/**
 * Finds an executable on PATH without spawning it. The access checks are synchronous: a run asks before its
 * engines start, and a promise per PATH folder left the thread idle between them.
 */
async function which(name, pathEnv = process.env.PATH ?? '') {
    for (const dir of pathEnv.split(':')) {
        if (!dir)
            continue;
        const candidate = external_node_path_default().join(dir, name);
        try {
            (0,external_node_fs_.accessSync)(candidate, external_node_fs_.constants.X_OK);
            return candidate;
        }
        catch {
            // not here
        }
    }
    return undefined;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
// EXTERNAL MODULE: ./src/plan/model.ts
var model = __nccwpck_require__(8582);
;// CONCATENATED MODULE: ./src/plan/ansible.ts
// Ansible's check-mode results (the JSON document Stackgate's own callback plugin writes) as the engine-neutral
// plan: a changed task-host pair is a change with the module's unified diff; a failed or unreachable host is an
// error naming the task and host, at the task's file and line. Vaulted plaintexts are replaced everywhere.


const SENSITIVE_TEXT = '(sensitive value)';
/** Shorter strings are too common to hide without hiding ordinary text (a 2-letter secret is no secret). */
const MIN_SECRET_LENGTH = 3;
/** Replaces every secret in `text` with `(sensitive value)`, longest first so overlaps never leave a tail. */
function redactText(text, secrets) {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        if (secret.length < MIN_SECRET_LENGTH)
            continue;
        out = out.split(secret).join(SENSITIVE_TEXT);
    }
    return out;
}
function parseAnsibleDocument(text) {
    const data = JSON.parse(text);
    if (data.version !== 1 || !Array.isArray(data.results)) {
        throw new Error('the Ansible callback wrote a document of an unknown shape');
    }
    return {
        version: 1,
        results: data.results,
        hosts: data.hosts ?? {},
        secrets: Array.isArray(data.secrets) ? data.secrets.filter((s) => typeof s === 'string') : [],
        warnings: data.warnings ?? [],
        ansible_version: data.ansible_version ?? null,
    };
}
/** A path Ansible printed (absolute) as the repository-relative path reports use; outside paths stay as is. */
function repositoryPath(file, workspace) {
    if (!file)
        return undefined;
    const relative = external_node_path_default().relative(workspace, file);
    if (relative === '' || relative.startsWith('..') || external_node_path_default().isAbsolute(relative))
        return file;
    return relative.split((external_node_path_default()).sep).join('/');
}
/**
 * Ansible names a rendered template by its temporary copy (`after: ~/.ansible/tmp/ansible-local-123abc/tmpxyz/
 * db.conf.j2`), different on every run: keep the template's name only, so the diff and fingerprint are stable.
 */
function stableDiff(diff) {
    return diff.replace(/^((?:\+\+\+|---) (?:before|after): )\S*\/ansible-(?:local|tmp)-[^/\s]+\/(?:[^/\s]+\/)?/gm, '$1');
}
function label(result) {
    return result.item !== undefined ? `${result.task} (item=${result.item})` : result.task;
}
/** The plan of a check-mode run. `secrets` are extra values to hide (the vault password). */
function ansiblePlan(document, options) {
    const secrets = [...new Set([...document.secrets, ...(options.secrets ?? [])])].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
    const hide = (text) => redactText(text, secrets);
    const tasks = { changed: 0, ok: 0, failed: 0, skipped: 0, unreachable: 0, hosts: 0 };
    const changes = [];
    const diagnostics = [];
    let redactedCount = 0;
    const hosts = new Set();
    for (const result of document.results) {
        hosts.add(result.host);
        tasks[result.status] += 1;
        const file = repositoryPath(result.file, options.workspace);
        const where = file ? ` (${file}${result.line ? `:${result.line}` : ''})` : '';
        if (result.status === 'changed') {
            let body;
            if (result.no_log) {
                redactedCount += 1;
                body = '(diff hidden: the task sets no_log)';
            }
            else if (result.diff) {
                const stable = stableDiff(result.diff);
                const hidden = hide(stable);
                if (hidden !== stable)
                    redactedCount += 1;
                body = hidden.trimEnd();
            }
            else {
                body = '(the module reports a change but gives no diff)';
            }
            const title = hide(`${result.host}: ${label(result)}`);
            changes.push({
                address: title,
                mode: 'managed',
                type: result.action,
                name: hide(label(result)),
                moduleAddress: '',
                providerName: 'ansible',
                action: 'update',
                replacePaths: [],
                moved: false,
                textDiff: `# ${title} — ${result.action}${where}\n${body}`,
            });
        }
        if (result.status === 'failed' || result.status === 'unreachable') {
            const what = result.status === 'failed' ? 'failed on' : 'could not reach';
            const diagnostic = {
                severity: 'error',
                summary: hide(`Task “${label(result)}” ${what} host ${result.host}`),
            };
            if (result.msg)
                diagnostic.detail = hide(result.msg);
            if (file && !external_node_path_default().isAbsolute(file))
                diagnostic.file = file;
            if (file && result.line)
                diagnostic.line = result.line;
            diagnostics.push(diagnostic);
        }
    }
    for (const warning of document.warnings ?? [])
        diagnostics.push({ severity: 'warning', summary: hide(warning) });
    tasks.hosts = hosts.size;
    const counts = (0,model/* emptyCounts */.W1)();
    counts.change = tasks.changed;
    const plan = {
        changes,
        drift: [],
        outputs: [],
        diagnostics,
        counts,
        hasChanges: tasks.changed > 0,
        redactedCount,
        secrets,
        tasks,
    };
    if (document.ansible_version)
        plan.engineVersion = document.ansible_version;
    return plan;
}
/** What the fingerprint covers: every task-host outcome and its (redacted) diff, in a stable order. */
function normaliseAnsiblePlan(plan, document) {
    const hide = (text) => (text === undefined ? null : redactText(text, plan.secrets));
    return document.results
        .map((result) => ({
        host: result.host,
        task: hide(label(result)),
        action: result.action,
        status: result.status,
        diff: result.no_log || result.diff === undefined ? null : hide(stableDiff(result.diff)),
    }))
        .sort((a, b) => {
        const left = `${a.host}\0${a.task ?? ''}`;
        const right = `${b.host}\0${b.task ?? ''}`;
        return left < right ? -1 : left > right ? 1 : 0;
    });
}
/** `[ERROR]: MESSAGE` … `Origin: FILE:LINE:COLUMN` blocks of ansible-playbook's error output (never the code frame). */
function ansibleErrors(stderr, workspace, secrets = []) {
    const diagnostics = [];
    const blocks = stderr.split(/^(?=\[(?:ERROR|WARNING)\]:)/m);
    for (const block of blocks) {
        const head = /^\[(ERROR|WARNING)\]: ([^\n]*)/.exec(block);
        if (!head)
            continue;
        const origin = /^Origin: (.+?):(\d+)(?::(\d+))?\s*$/m.exec(block);
        const diagnostic = {
            severity: head[1] === 'ERROR' ? 'error' : 'warning',
            summary: redactText(head[2].trim(), secrets),
        };
        if (origin) {
            const file = repositoryPath(origin[1], workspace);
            if (file && !external_node_path_default().isAbsolute(file)) {
                diagnostic.file = file;
                diagnostic.line = Number(origin[2]);
                if (origin[3])
                    diagnostic.column = Number(origin[3]);
            }
        }
        diagnostics.push(diagnostic);
    }
    return diagnostics;
}
/**
 * ansible-lint's codeclimate report (`-f codeclimate`) as warnings at file and line. `folder` is where the
 * paths in the report start (the stack folder, given as `--project-dir`); text is redacted with `secrets`.
 */
function ansibleLintFindings(text, folder, workspace, secrets) {
    let issues;
    try {
        issues = JSON.parse(text);
    }
    catch {
        return [];
    }
    if (!Array.isArray(issues))
        return [];
    return issues.flatMap((issue) => {
        if (typeof issue !== 'object' || issue === null)
            return [];
        const rule = typeof issue.check_name === 'string' ? issue.check_name : 'ansible-lint';
        const description = typeof issue.description === 'string' ? issue.description : '';
        const where = issue.location;
        const file = typeof where?.path === 'string'
            ? repositoryPath(external_node_path_default().resolve(folder, where.path), workspace)
            : undefined;
        const line = where?.lines?.begin ?? where?.positions?.begin?.line;
        const column = where?.positions?.begin?.column;
        return [
            {
                severity: 'warning',
                summary: redactText(`ansible-lint ${rule}: ${description}`.trim(), secrets).slice(0, 300),
                ...(typeof issue.url === 'string' ? { detail: `See ${issue.url}` } : {}),
                ...(file && !external_node_path_default().isAbsolute(file) ? { file } : {}),
                ...(typeof line === 'number' && line > 0 ? { line } : {}),
                ...(typeof column === 'number' && column > 0 ? { column } : {}),
            },
        ];
    });
}

;// CONCATENATED MODULE: ./src/plan/fingerprint.ts
// The fingerprint of a plan: what it would change, normalised, so the plan a reviewer saw can be recognised at
// apply time. Bound to repository, pull request and stack: a fingerprint copied elsewhere fits nothing else.

/** Serialises with sorted keys so equal plans hash equally whatever the key order. */
function canonical(value) {
    if (Array.isArray(value))
        return `[${value.map(canonical).join(',')}]`;
    if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
    }
    return JSON.stringify(value);
}
function sha256(text) {
    return (0,external_node_crypto_.createHash)('sha256').update(text).digest('hex');
}
/** Values under a `true` of the sensitivity mask become their hash: the material never holds them. */
function hideSensitive(value, mask) {
    if (mask === true)
        return { sensitive: sha256(canonical(value ?? null)) };
    if (Array.isArray(value) && Array.isArray(mask)) {
        return value.map((item, index) => hideSensitive(item, mask[index]));
    }
    if (value && typeof value === 'object' && mask && typeof mask === 'object' && !Array.isArray(value)) {
        const masks = mask;
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [
            key,
            hideSensitive(item, masks[key]),
        ]));
    }
    return value;
}
function normaliseChange(change) {
    if (!change)
        return null;
    return {
        actions: change.actions ?? [],
        before: hideSensitive(change.before ?? null, change.before_sensitive),
        after: hideSensitive(change.after ?? null, change.after_sensitive),
        after_unknown: change.after_unknown ?? null,
        before_sensitive: change.before_sensitive ?? null,
        after_sensitive: change.after_sensitive ?? null,
        replace_paths: change.replace_paths ?? null,
        importing: change.importing ?? null,
    };
}
/**
 * The normalised material of a `show -json` plan: resource changes (stable order, sensitive values hashed) and
 * output changes. No timestamps, versions or drift: what apply would do, nothing else.
 */
function normalisePlan(showJson) {
    const resources = Array.isArray(showJson.resource_changes)
        ? showJson.resource_changes
        : [];
    const outputs = (showJson.output_changes ?? {});
    return {
        resource_changes: resources
            .map((resource) => ({
            address: resource.address ?? '',
            previous_address: resource.previous_address ?? null,
            action_reason: resource.action_reason ?? null,
            change: normaliseChange(resource.change),
        }))
            .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
        output_changes: Object.fromEntries(Object.entries(outputs).map(([name, change]) => [name, normaliseChange(change)])),
    };
}
/** `sha256:<hex>` over the salt and the normalised plan. */
function planFingerprint(showJson, salt) {
    const material = canonical({
        salt: { repository: salt.repository.toLowerCase(), pull: salt.pullNumber ?? null, stack: salt.stack },
        plan: normalisePlan(showJson),
    });
    return `sha256:${sha256(material)}`;
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __nccwpck_require__(8815);
;// CONCATENATED MODULE: ./src/stacks/ansible-inputs.ts
// What an Ansible stack reads besides its own folder, so a change to any of it plans the stack: the playbook and
// the files it imports statically, its roles (and their dependencies) in the conventional places, the inventory
// with its group_vars/host_vars, extra vars files and a vault password file in the repository. Paths with
// Jinja in them cannot be followed; `when-modified` covers those.




const MAX_FILES = 500;
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
async function exists(absolute) {
    const info = await (0,promises_.stat)(absolute).catch(() => undefined);
    if (!info)
        return undefined;
    return info.isDirectory() ? 'folder' : 'file';
}
async function loadYaml(absolute) {
    try {
        // Vault tags and other custom tags parse as their text; a file that is not YAML contributes nothing more.
        return (0,dist/* parse */.qg)(await (0,promises_.readFile)(absolute, 'utf8'), {
            customTags: [
                { tag: '!vault', resolve: (s) => s },
                { tag: '!unsafe', resolve: (s) => s },
            ],
            logLevel: 'silent',
        });
    }
    catch {
        return undefined;
    }
}
const TASK_FILE_KEYS = [
    'include_tasks',
    'import_tasks',
    'ansible.builtin.include_tasks',
    'ansible.builtin.import_tasks',
];
const PLAYBOOK_KEYS = ['import_playbook', 'ansible.builtin.import_playbook'];
const ROLE_KEYS = [
    'include_role',
    'import_role',
    'ansible.builtin.include_role',
    'ansible.builtin.import_role',
];
const TEMPLATE_KEYS = ['template', 'ansible.builtin.template', 'copy', 'ansible.builtin.copy'];
function fileArgument(value) {
    if (typeof value === 'string')
        return value.trim().split(/\s+/)[0];
    if (isObject(value) && typeof value.file === 'string')
        return value.file;
    return undefined;
}
function roleName(value) {
    if (typeof value === 'string')
        return value;
    if (isObject(value)) {
        const name = value.role ?? value.name;
        return typeof name === 'string' ? name : undefined;
    }
    return undefined;
}
const templated = (text) => text.includes('{{') || text.includes('{%');
/** Collects the inputs of one stack; every path is posix and relative to the workspace. */
class Collector {
    workspace;
    stackDir;
    /** Relative path → whether it is a folder. */
    found = new Map();
    seen = new Set();
    roleDirs;
    constructor(workspace, stackDir, roleDirs) {
        this.workspace = workspace;
        this.stackDir = stackDir;
        this.roleDirs = roleDirs;
    }
    relative(absolute) {
        const relative = external_node_path_default().relative(this.workspace, absolute);
        if (relative === '' || relative.startsWith('..') || external_node_path_default().isAbsolute(relative))
            return undefined;
        return relative.split((external_node_path_default()).sep).join('/');
    }
    async add(absolute) {
        const relative = this.relative(absolute);
        if (!relative)
            return undefined;
        const kind = await exists(absolute);
        if (kind)
            this.found.set(relative, kind === 'folder');
        return kind;
    }
    /** A playbook or task file: itself, and what it imports, recursively. */
    async yamlFile(absolute, kind, templatesDir) {
        if (this.seen.has(absolute) || this.seen.size >= MAX_FILES)
            return;
        this.seen.add(absolute);
        if ((await this.add(absolute)) !== 'file')
            return;
        const data = await loadYaml(absolute);
        if (!Array.isArray(data))
            return;
        const dir = external_node_path_default().dirname(absolute);
        if (kind === 'playbook') {
            // group_vars/host_vars beside a playbook apply to it.
            await this.add(external_node_path_default().join(dir, 'group_vars'));
            await this.add(external_node_path_default().join(dir, 'host_vars'));
        }
        for (const entry of data)
            await this.entry(entry, dir, kind, templatesDir);
    }
    async entry(entry, dir, kind, templatesDir) {
        if (!isObject(entry))
            return;
        for (const key of PLAYBOOK_KEYS) {
            const file = fileArgument(entry[key]);
            if (file && !templated(file))
                await this.yamlFile(external_node_path_default().resolve(dir, file), 'playbook', templatesDir);
        }
        for (const key of TASK_FILE_KEYS) {
            const file = fileArgument(entry[key]);
            if (file && !templated(file))
                await this.yamlFile(external_node_path_default().resolve(dir, file), 'tasks', templatesDir);
        }
        for (const key of ROLE_KEYS) {
            const name = roleName(entry[key]);
            if (name && !templated(name))
                await this.role(name, dir);
        }
        for (const key of TEMPLATE_KEYS) {
            const args = entry[key];
            const src = isObject(args) && typeof args.src === 'string' ? args.src : undefined;
            if (!src || templated(src))
                continue;
            const sub = key.endsWith('template') ? 'templates' : 'files';
            for (const candidate of [
                external_node_path_default().resolve(templatesDir, sub, src),
                external_node_path_default().resolve(dir, sub, src),
                external_node_path_default().resolve(dir, src),
            ]) {
                if (await this.add(candidate))
                    break;
            }
        }
        if (kind === 'playbook') {
            for (const file of Array.isArray(entry.vars_files) ? entry.vars_files : []) {
                if (typeof file === 'string' && !templated(file))
                    await this.add(external_node_path_default().resolve(dir, file));
            }
            for (const role of Array.isArray(entry.roles) ? entry.roles : []) {
                const name = roleName(role);
                if (name && !templated(name))
                    await this.role(name, dir);
            }
        }
        for (const section of ['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always']) {
            const items = entry[section];
            if (Array.isArray(items))
                for (const item of items)
                    await this.entry(item, dir, 'tasks', templatesDir);
        }
    }
    /** A role folder: the first of the conventional places that has it, and the roles its meta depends on. */
    async role(name, fromDir) {
        const key = `role:${name}`;
        if (this.seen.has(key))
            return;
        this.seen.add(key);
        const candidates = [
            ...(name.includes('/') || name.startsWith('.') ? [external_node_path_default().resolve(fromDir, name)] : []),
            external_node_path_default().resolve(fromDir, 'roles', name),
            ...this.roleDirs.map((dir) => external_node_path_default().resolve(dir, name)),
            external_node_path_default().resolve(this.stackDir, 'roles', name),
        ];
        for (const candidate of candidates) {
            if ((await exists(candidate)) !== 'folder')
                continue;
            await this.add(candidate);
            const meta = await loadYaml(external_node_path_default().join(candidate, 'meta', 'main.yml'));
            const dependencies = isObject(meta) && Array.isArray(meta.dependencies) ? meta.dependencies : [];
            for (const dependency of dependencies) {
                const dependencyName = roleName(dependency);
                if (dependencyName && !templated(dependencyName))
                    await this.role(dependencyName, external_node_path_default().dirname(candidate));
            }
            // Task files a role includes from elsewhere (`include_tasks: ../../shared/x.yml`).
            await this.yamlFile(external_node_path_default().join(candidate, 'tasks', 'main.yml'), 'tasks', candidate);
            return;
        }
    }
}
/** `roles_path` of the stack's ansible.cfg, resolved against the stack's folder. */
async function configuredRoleDirs(stackDir) {
    const text = await (0,promises_.readFile)(external_node_path_default().join(stackDir, 'ansible.cfg'), 'utf8').catch(() => '');
    const match = /^\s*roles_path\s*=\s*(.+)$/m.exec(text);
    if (!match?.[1])
        return [];
    return match[1]
        .split(':')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '' && !entry.startsWith('~') && !entry.startsWith('$'))
        .map((entry) => external_node_path_default().resolve(stackDir, entry));
}
/** Files and folders (posix, relative to `workspace`) whose changes affect this Ansible stack. */
async function ansibleInputs(workspace, stack) {
    const config = stack.ansible;
    if (!config)
        return { folders: [], files: [] };
    const stackDir = external_node_path_default().resolve(workspace, stack.path);
    const collector = new Collector(workspace, stackDir, await configuredRoleDirs(stackDir));
    await collector.add(external_node_path_default().join(stackDir, 'ansible.cfg'));
    await collector.yamlFile(external_node_path_default().resolve(stackDir, config.playbook), 'playbook', stackDir);
    const inventory = external_node_path_default().resolve(stackDir, config.inventory);
    const kind = await collector.add(inventory);
    const inventoryDir = kind === 'folder' ? inventory : external_node_path_default().dirname(inventory);
    await collector.add(external_node_path_default().join(inventoryDir, 'group_vars'));
    await collector.add(external_node_path_default().join(inventoryDir, 'host_vars'));
    for (const file of config.extraVarsFiles)
        await collector.add(external_node_path_default().resolve(stackDir, file));
    if (config.vaultPasswordFile)
        await collector.add(external_node_path_default().resolve(workspace, config.vaultPasswordFile));
    // A file inside a folder that is already an input says nothing more.
    const entries = [...collector.found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const folders = entries.filter(([, folder]) => folder).map(([name]) => name);
    const kept = entries.filter(([name]) => !folders.some((folder) => name.startsWith(`${folder}/`)));
    return {
        folders: kept.filter(([, folder]) => folder).map(([name]) => name),
        files: kept.filter(([, folder]) => !folder).map(([name]) => name),
    };
}
async function filesUnder(absolute, limit) {
    const entries = await (0,promises_.readdir)(absolute, { withFileTypes: true, recursive: true }).catch(() => []);
    return entries
        .filter((entry) => entry.isFile())
        .map((entry) => external_node_path_default().join(entry.parentPath, entry.name))
        .sort()
        .slice(0, limit);
}
/**
 * A digest of the contents of every input of the stack (playbook, inventory, vars, roles, templates): what was
 * reviewed is what is applied only when this is the same at apply time. Paths are relative to `workspace`.
 */
async function ansibleInputsDigest(workspace, stack) {
    const inputs = await ansibleInputs(workspace, stack);
    const files = new Set(inputs.files.map((file) => external_node_path_default().resolve(workspace, file)));
    for (const folder of inputs.folders)
        for (const file of await filesUnder(external_node_path_default().resolve(workspace, folder), MAX_FILES))
            files.add(file);
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for (const file of [...files].sort()) {
        const content = await (0,promises_.readFile)(file).catch(() => undefined);
        const digest = content ? (0,external_node_crypto_.createHash)('sha256').update(content).digest('hex') : 'missing';
        hash.update(`${external_node_path_default().relative(workspace, file).split((external_node_path_default()).sep).join('/')}\0${digest}\n`);
    }
    return `sha256:${hash.digest('hex')}`;
}

;// CONCATENATED MODULE: ./src/engines/ansible/callback.ts
// Generated by scripts/embed-ansible-callback.mjs from stackgate.py beside it: do not edit by hand.
/** Stackgate's stdout callback plugin for ansible-playbook, as Python source. */
const CALLBACK_SOURCE = "# Stackgate's stdout callback for ansible-playbook (ansible-core 2.15 and later, 2.19 included).\n# It records every task result per host (status, the diff as unified text, the task's file and line) and writes\n# one JSON document to the file named by STACKGATE_ANSIBLE_RESULT when the play ends. It also collects the\n# plaintext of vaulted values (inline !vault and vault-encrypted files) so Stackgate can hide them in reports.\n# stdout gets one line per result without values, for the run log.\nfrom __future__ import annotations\n\nDOCUMENTATION = \"\"\"\nname: stackgate\ntype: stdout\nshort_description: per-task, per-host results as one JSON file for Stackgate\ndescription: Writes task results, diffs and vaulted plaintexts to the file in STACKGATE_ANSIBLE_RESULT.\n\"\"\"\n\nimport json\nimport os\nimport sys\n\nfrom ansible.plugins.callback import CallbackBase\n\ntry:  # 2.19: vaulted values are EncryptedString objects or strings tagged VaultedValue\n    from ansible.parsing.vault import EncryptedString  # type: ignore\nexcept ImportError:  # pragma: no cover - older cores\n    EncryptedString = None\ntry:\n    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode  # type: ignore\nexcept ImportError:  # pragma: no cover\n    AnsibleVaultEncryptedUnicode = None\ntry:\n    from ansible._internal._datatag._tags import VaultedValue  # type: ignore\nexcept ImportError:  # pragma: no cover\n    VaultedValue = None\n\nMAX_DIFF = 256 * 1024\nMAX_VAULT_FILE = 1024 * 1024\n\n\ndef _is_vaulted(value):\n    if EncryptedString is not None and isinstance(value, EncryptedString):\n        return True\n    if AnsibleVaultEncryptedUnicode is not None and isinstance(value, AnsibleVaultEncryptedUnicode):\n        return True\n    if VaultedValue is not None:\n        try:\n            return VaultedValue.is_tagged_on(value)\n        except Exception:\n            return False\n    return False\n\n\ndef _plain(value):\n    try:\n        return str(value)\n    except Exception:  # undecryptable: nothing to hide, it never reaches a report in plaintext\n        return None\n\n\nclass CallbackModule(CallbackBase):\n    CALLBACK_VERSION = 2.0\n    CALLBACK_TYPE = 'stdout'\n    CALLBACK_NAME = 'stackgate'\n\n    def __init__(self, *args, **kwargs):\n        super(CallbackModule, self).__init__(*args, **kwargs)\n        self._results = []\n        self._secrets = set()\n        self._warnings = []\n        self._play = None\n        self._scanned_hosts = set()\n        self._scanned_dirs = set()\n\n    # ---- secrets --------------------------------------------------------------------------------------\n\n    def _collect(self, value, inside_vault=False, depth=0):\n        if depth > 40:\n            return\n        vaulted = inside_vault or _is_vaulted(value)\n        if isinstance(value, dict):\n            for item in value.values():\n                self._collect(item, vaulted, depth + 1)\n        elif isinstance(value, (list, tuple)):\n            for item in value:\n                self._collect(item, vaulted, depth + 1)\n        elif vaulted:\n            text = _plain(value)\n            if text:\n                self._secrets.add(text)\n                for line in text.splitlines():\n                    if line.strip():\n                        self._secrets.add(line.strip())\n\n    def _scan_vault_files(self, folder):\n        folder = os.path.realpath(folder)\n        if folder in self._scanned_dirs or not os.path.isdir(folder):\n            return\n        self._scanned_dirs.add(folder)\n        try:\n            from ansible.parsing.vault import VaultLib, VaultSecretsContext  # type: ignore\n            secrets = VaultSecretsContext.current().secrets\n        except Exception:\n            try:\n                from ansible.parsing.vault import VaultLib  # type: ignore\n                secrets = self._play._loader._vault.secrets  # type: ignore[union-attr]\n            except Exception:\n                return\n        if not secrets:\n            return\n        vault = VaultLib(secrets=secrets)\n        for root, dirs, files in os.walk(folder):\n            dirs[:] = [d for d in dirs if not d.startswith('.') and d != 'node_modules']\n            for name in files:\n                path = os.path.join(root, name)\n                try:\n                    if os.path.getsize(path) > MAX_VAULT_FILE:\n                        continue\n                    with open(path, 'rb') as handle:\n                        data = handle.read()\n                    if not data.startswith(b'$ANSIBLE_VAULT;'):\n                        continue\n                    plaintext = vault.decrypt(data).decode('utf-8', 'replace')\n                except Exception:\n                    continue\n                try:\n                    import yaml  # PyYAML ships with ansible-core\n\n                    self._collect(yaml.safe_load(plaintext), True)\n                except Exception:\n                    self._collect(plaintext, True)\n\n    def _scan_host(self, host):\n        name = host.get_name()\n        if name in self._scanned_hosts or self._play is None:\n            return\n        self._scanned_hosts.add(name)\n        try:\n            manager = self._play.get_variable_manager()\n            self._collect(manager.get_vars(play=self._play, host=host))\n        except Exception as error:  # never let secret hunting break a run\n            self._warnings.append('could not inspect the variables of %s: %s' % (name, error))\n\n    # ---- results --------------------------------------------------------------------------------------\n\n    def v2_playbook_on_start(self, playbook):\n        self._scan_vault_files(os.path.dirname(os.path.abspath(playbook._file_name)))\n\n    def v2_playbook_on_play_start(self, play):\n        self._play = play\n        try:\n            for source in play.get_variable_manager()._inventory._sources:  # type: ignore[attr-defined]\n                self._scan_vault_files(source if os.path.isdir(source) else os.path.dirname(source))\n        except Exception:\n            pass\n\n    def _record(self, result, status):\n        task = result._task\n        host = result._host\n        self._scan_host(host)\n        data = result._result\n        no_log = bool(data.get('_ansible_no_log')) or bool(getattr(task, 'no_log', False)) or 'censored' in data\n        path = task.get_path() or ''\n        file, _, line = path.rpartition(':')\n        entry = {\n            'task': task.get_name() or task.action,\n            'action': task.action,\n            'host': host.get_name(),\n            'status': status,\n            'changed': bool(data.get('changed')) and status in ('ok', 'changed'),\n            'file': file or path,\n            'line': int(line) if line.isdigit() else None,\n            'no_log': no_log,\n        }\n        if data.get('_ansible_item_label') is not None and not no_log:\n            entry['item'] = str(data.get('_ansible_item_label'))\n        if not no_log:\n            diff = data.get('diff')\n            if diff:\n                text = self._get_diff(diff)\n                if text:\n                    entry['diff'] = text[:MAX_DIFF]\n            msg = data.get('msg') or data.get('stderr') or data.get('reason')\n            if msg and status in ('failed', 'unreachable'):\n                entry['msg'] = str(msg)[:4000]\n        elif status in ('failed', 'unreachable'):\n            entry['msg'] = 'the output has been hidden (no_log: true)'\n        if entry['changed']:\n            entry['status'] = 'changed'\n        self._results.append(entry)\n        self._display.display('%s | %s | %s' % (entry['status'], entry['host'], entry['task']))\n\n    def v2_runner_on_ok(self, result):\n        if result._result.get('results') is not None:  # a loop: its items were recorded one by one\n            if any(r.get('changed') for r in result._result['results']):\n                return\n            if result._result.get('results'):\n                return\n        self._record(result, 'ok')\n\n    def v2_runner_item_on_ok(self, result):\n        self._record(result, 'ok')\n\n    def v2_runner_item_on_failed(self, result):\n        self._record(result, 'failed')\n\n    def v2_runner_item_on_skipped(self, result):\n        self._record(result, 'skipped')\n\n    def v2_runner_on_failed(self, result, ignore_errors=False):\n        if result._result.get('results'):\n            return\n        self._record(result, 'ok' if ignore_errors else 'failed')\n\n    def v2_runner_on_skipped(self, result):\n        if result._result.get('results'):\n            return\n        self._record(result, 'skipped')\n\n    def v2_runner_on_unreachable(self, result):\n        self._record(result, 'unreachable')\n\n    def v2_playbook_on_stats(self, stats):\n        hosts = {}\n        for name in sorted(stats.processed.keys()):\n            hosts[name] = stats.summarize(name)\n        try:\n            from ansible.release import __version__ as ansible_version\n        except ImportError:  # pragma: no cover\n            ansible_version = None\n        document = {\n            'version': 1,\n            'ansible_version': ansible_version,\n            'results': self._results,\n            'hosts': hosts,\n            'secrets': sorted(self._secrets),\n            'warnings': self._warnings,\n        }\n        target = os.environ.get('STACKGATE_ANSIBLE_RESULT')\n        text = json.dumps(document)\n        if target:\n            with open(target, 'w', encoding='utf-8') as handle:\n                handle.write(text)\n        else:\n            sys.stdout.write(text + '\\n')\n";

;// CONCATENATED MODULE: ./src/engines/ansible.ts
// Ansible stacks with the real ansible-playbook. Plan = `--check --diff` with Stackgate's own callback plugin
// (the json callback left ansible-core in 2.19), parsed into the plan model; validate = `--syntax-check`;
// apply = the real run, after a fresh check mode confirms the hosts still match the reviewed plan.








const BINARY = 'ansible-playbook';
const LINT_BINARY = 'ansible-lint';
const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
/** The callback reads the vault password from here; the variable reaches only the ansible process. */
const VAULT_ENV = 'STACKGATE_ANSIBLE_VAULT_PASSWORD';
const ANSIBLE_NOT_INSTALLED = 'ansible-playbook is not on PATH: install ansible-core (e.g. `pipx install ansible-core` or `pip install ansible-core`) in a step before Stackgate';
function folderName(stack) {
    const readable = stack.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
    const unique = (0,external_node_crypto_.createHash)('sha256').update(`${stack.name}\0${stack.path}`).digest('hex').slice(0, 12);
    return `${readable}-${unique}`;
}
/** Writes the callback plugin and the vault-password client once per run folder. */
async function support(tempDir) {
    const dir = external_node_path_default().join(tempDir, 'ansible');
    const callbacks = external_node_path_default().join(dir, 'callback_plugins');
    const vaultClient = external_node_path_default().join(dir, 'vault-password-client.sh');
    await (0,promises_.mkdir)(callbacks, { recursive: true });
    await (0,promises_.writeFile)(external_node_path_default().join(callbacks, 'stackgate.py'), CALLBACK_SOURCE);
    // The password stays in the environment of the ansible process: this script prints it, no file holds it.
    await (0,promises_.writeFile)(vaultClient, `#!/bin/sh\nprintf '%s\\n' "$${VAULT_ENV}"\n`);
    await (0,promises_.chmod)(vaultClient, 0o700);
    return { callbacks, vaultClient };
}
/** The run settings of a stack, or a message saying why it cannot run (vault password missing…). */
async function prepareRun(stack, context) {
    const config = stack.ansible;
    if (!config)
        return { error: `stack ${stack.name} has no Ansible settings (playbook, inventory)` };
    const cwd = external_node_path_default().join(context.workspace, stack.path);
    const { callbacks, vaultClient } = await support(context.tempDir);
    const env = {
        ...context.env,
        ...stack.env,
        ANSIBLE_CALLBACK_PLUGINS: callbacks,
        ANSIBLE_STDOUT_CALLBACK: 'stackgate',
        ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_FORCE_COLOR: '0',
        ANSIBLE_RETRY_FILES_ENABLED: '0',
        ANSIBLE_NO_TARGET_SYSLOG: '1',
        PYTHONUNBUFFERED: '1',
    };
    // A vault password set by ANSIBLE_VAULT_PASSWORD_FILE in the runner would bypass the config's choice.
    delete env[VAULT_ENV];
    const common = ['-i', config.inventory];
    const secrets = [];
    if (config.vaultPasswordEnv) {
        const password = context.env[config.vaultPasswordEnv] ?? stack.env[config.vaultPasswordEnv];
        if (password === undefined || password === '') {
            return {
                error: `the vault password variable ${config.vaultPasswordEnv} is not set (map the secret in the job's env)`,
            };
        }
        secrets.push(password.trim(), password);
        env[VAULT_ENV] = password.replace(/\n$/, '');
        common.push(`--vault-password-file=${vaultClient}`);
    }
    else if (config.vaultPasswordFile) {
        const file = external_node_path_default().resolve(context.workspace, config.vaultPasswordFile);
        const text = await (0,promises_.readFile)(file, 'utf8').catch(() => undefined);
        if (text === undefined)
            return { error: `the vault password file ${config.vaultPasswordFile} cannot be read` };
        if (text.trim())
            secrets.push(text.trim());
        common.push(`--vault-password-file=${file}`);
    }
    if (config.limit)
        common.push(`--limit=${config.limit}`);
    if (config.tags.length > 0)
        common.push(`--tags=${config.tags.join(',')}`);
    for (const file of config.extraVarsFiles)
        common.push('-e', `@${file}`);
    return {
        cwd,
        env,
        secrets: secrets.filter((secret) => secret.length > 0),
        common,
        playbook: config.playbook,
        timeoutMs: stack.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
}
function stepMessage(step, result, timeoutMs) {
    if (result.spawnError)
        return `${step}: ${result.spawnError}`;
    if (result.timedOut)
        return `${step} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`;
    if (result.signal)
        return `${step} was killed by ${result.signal}`;
    return `${step} failed (exit code ${result.exitCode})`;
}
/** The errors of a run that produced no results: Ansible's own, else the tail of its output. */
function runErrors(result, run, workspace) {
    const parsed = ansibleErrors(result.stderr, workspace, run.secrets).filter((d) => d.severity === 'error');
    if (parsed.length > 0)
        return parsed;
    const tail = redactText((result.stderr.trim() || result.stdout.trim()).split('\n').slice(-20).join('\n'), run.secrets);
    return tail
        ? [{ severity: 'error', summary: tail.split('\n')[0].slice(0, 300), detail: tail.slice(-8000) }]
        : [];
}
async function play(run, resultFile, extra, deadline) {
    await (0,promises_.rm)(resultFile, { force: true });
    const result = await execFile(BINARY, [...run.common, ...extra, run.playbook], {
        cwd: run.cwd,
        env: { ...run.env, STACKGATE_ANSIBLE_RESULT: resultFile },
        timeoutMs: Math.max(1000, deadline - Date.now()),
    });
    const text = await (0,promises_.readFile)(resultFile, 'utf8').catch(() => undefined);
    if (text === undefined)
        return { result };
    return { result, document: parseAnsibleDocument(text) };
}
function fingerprintOf(plan, document, salt, stack, inputs) {
    // The outcome on the hosts and the inputs it came from: a changed playbook, inventory or vars file refuses
    // the apply even when check mode happens to give the same result.
    const material = canonical({
        salt: { repository: salt.repository.toLowerCase(), pull: salt.pullNumber ?? null, stack },
        engine: 'ansible',
        inputs,
        plan: normaliseAnsiblePlan(plan, document),
    });
    return `sha256:${(0,external_node_crypto_.createHash)('sha256').update(material).digest('hex')}`;
}
async function checkMode(stack, context, salt, run, deadline) {
    const dir = external_node_path_default().join(context.tempDir, 'plans', folderName(stack));
    await (0,promises_.mkdir)(dir, { recursive: true });
    const config = stack.ansible;
    const inputs = await ansibleInputsDigest(context.workspace, stack);
    const played = await play(run, external_node_path_default().join(dir, 'check.json'), ['--check', '--diff', ...config.checkArgs], deadline);
    const { result, document } = played;
    if (!document) {
        const diagnostics = runErrors(result, run, context.workspace);
        const first = diagnostics[0]?.summary;
        const message = stepMessage('ansible-playbook --check', result, run.timeoutMs);
        return {
            status: 'errored',
            diagnostics,
            message: first ? `${message}: ${first.slice(0, 200)}` : message,
        };
    }
    const plan = ansiblePlan(document, {
        workspace: context.workspace,
        secrets: run.secrets,
    });
    plan.diagnostics.push(...ansibleErrors(result.stderr, context.workspace, plan.secrets).filter((d) => d.severity === 'error'));
    const fingerprint = fingerprintOf(plan, document, salt, stack.name, inputs);
    const failed = plan.tasks.failed + plan.tasks.unreachable;
    if (failed > 0 || (result.exitCode !== 0 && plan.diagnostics.some((d) => d.severity === 'error'))) {
        const first = plan.diagnostics.find((d) => d.severity === 'error')?.summary ??
            stepMessage('ansible-playbook --check', result, run.timeoutMs);
        return { status: 'errored', plan, diagnostics: [], message: first.slice(0, 300), fingerprint };
    }
    if (result.exitCode !== 0) {
        return {
            status: 'errored',
            plan,
            diagnostics: runErrors(result, run, context.workspace),
            message: stepMessage('ansible-playbook --check', result, run.timeoutMs),
        };
    }
    return { status: plan.hasChanges ? 'planned' : 'no-changes', plan, diagnostics: [], fingerprint };
}
async function planAnsibleStack(stack, context, salt) {
    const started = Date.now();
    const run = await prepareRun(stack, context);
    if ('error' in run)
        return { status: 'errored', diagnostics: [], message: run.error, durationMs: Date.now() - started };
    const outcome = await checkMode(stack, context, salt, run, started + run.timeoutMs);
    const result = { ...outcome, durationMs: Date.now() - started };
    if (outcome.fingerprint && outcome.status !== 'errored') {
        // The "plan file": what apply needs to confirm it runs what was reviewed (no secret is in it).
        const planFile = external_node_path_default().join(context.tempDir, 'plans', folderName(stack), 'ansible-plan.json');
        const record = { version: 1, stack: stack.name, salt, fingerprint: outcome.fingerprint };
        await (0,promises_.writeFile)(planFile, JSON.stringify(record));
        result.planFile = planFile;
    }
    return result;
}
/**
 * The real run. Ansible cannot replay a saved plan, so it first runs check mode again with the plan's salt and
 * refuses when the outcome differs from the reviewed one (the hosts or the code changed since).
 */
async function applyAnsibleStack(stack, context, planFile) {
    const started = Date.now();
    const failed = (message, diagnostics = [], applied = []) => ({
        status: 'errored',
        diagnostics,
        message,
        applied,
        durationMs: Date.now() - started,
    });
    let record;
    try {
        record = JSON.parse(await (0,promises_.readFile)(planFile, 'utf8'));
    }
    catch {
        return failed(`the plan record ${planFile} cannot be read`);
    }
    if (record.version !== 1 || record.stack !== stack.name)
        return failed(`the plan record ${planFile} is not for stack ${stack.name}`);
    const run = await prepareRun(stack, context);
    if ('error' in run)
        return failed(run.error);
    const deadline = started + run.timeoutMs;
    const check = await checkMode(stack, context, record.salt, run, deadline);
    if (check.status === 'errored')
        return failed(check.message ?? 'check mode failed before apply', [
            ...(check.plan?.diagnostics ?? []),
            ...check.diagnostics,
        ]);
    if (check.fingerprint !== record.fingerprint) {
        return failed('the hosts or the inputs (playbook, inventory, vars) no longer match the reviewed plan: plan again and review');
    }
    const dir = external_node_path_default().join(context.tempDir, 'plans', folderName(stack));
    const { result, document } = await play(run, external_node_path_default().join(dir, 'apply.json'), ['--diff'], deadline);
    if (!document) {
        const diagnostics = runErrors(result, run, context.workspace);
        return failed(stepMessage('ansible-playbook', result, run.timeoutMs), diagnostics);
    }
    const plan = ansiblePlan(document, { workspace: context.workspace, secrets: run.secrets });
    const applied = plan.changes.map((change) => change.address);
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    if (result.exitCode !== 0 || errors.length > 0) {
        const message = errors[0]?.summary ?? stepMessage('ansible-playbook', result, run.timeoutMs);
        return failed(message, errors.length > 0 ? plan.diagnostics : runErrors(result, run, context.workspace), applied);
    }
    return { status: 'applied', diagnostics: plan.diagnostics, applied, durationMs: Date.now() - started };
}
/**
 * ansible-lint when it is installed (it is optional: without it validate is the syntax check alone): its
 * findings as warnings at file and line. Offline, so it installs nothing and asks no server.
 */
async function lint(stack, context, run) {
    const binary = await which(LINT_BINARY, run.env.PATH ?? '');
    if (!binary)
        return [];
    const result = await execFile(binary, ['--offline', '--nocolor', '-q', '-f', 'codeclimate', '--project-dir', run.cwd, run.playbook], { cwd: run.cwd, env: run.env, timeoutMs: run.timeoutMs });
    // 0: nothing found, 2: findings; anything else is ansible-lint failing, which says nothing about the code.
    if (result.exitCode !== 0 && result.exitCode !== 2)
        return [];
    return ansibleLintFindings(result.stdout, run.cwd, context.workspace, run.secrets);
}
/** `--syntax-check` (errors at file and line, no host contacted), then ansible-lint when installed. */
async function checkAnsibleStack(stack, context, validate) {
    if (!validate)
        return { format: [], diagnostics: [] };
    const run = await prepareRun(stack, context);
    if ('error' in run)
        return { format: [], diagnostics: [], message: run.error };
    const result = await execFile(BINARY, [...run.common, '--syntax-check', run.playbook], {
        cwd: run.cwd,
        env: run.env,
        timeoutMs: run.timeoutMs,
    });
    if (result.spawnError)
        return { format: [], diagnostics: [], message: result.spawnError };
    if (result.exitCode === 0)
        return { format: [], diagnostics: await lint(stack, context, run) };
    const diagnostics = runErrors(result, run, context.workspace);
    return {
        format: [],
        diagnostics,
        message: stepMessage('ansible-playbook --syntax-check', result, run.timeoutMs),
    };
}
function ansibleEngine() {
    let installed;
    return {
        name: 'ansible',
        available: () => (installed ??= which(BINARY).then((found) => found !== undefined)),
        check: (stack, context, options) => checkAnsibleStack(stack, context, options.validate),
        plan: async (stack, context, salt, options) => {
            const result = await planAnsibleStack(stack, context, salt);
            // Check mode has no refresh step: in refresh-only mode, whatever differs on the hosts from the playbook
            // is the drift, and there is nothing to apply from it.
            if (options?.mode !== 'refresh-only' || !result.plan)
                return result;
            const plan = { ...result.plan, drift: result.plan.changes, changes: [], hasChanges: false };
            plan.counts = { ...plan.counts, drift: plan.drift.length };
            return { ...result, plan, status: 'no-changes' };
        },
        // Ansible has no plan file to read offline: its only way to know what it would do is check mode again.
        inspect: (stack, context, _planFile, salt) => planAnsibleStack(stack, context, salt),
        planFile: (stack, context) => Promise.resolve(external_node_path_default().join(context.tempDir, 'plans', folderName(stack), 'ansible-plan.json')),
        apply: (stack, context, planFile) => applyAnsibleStack(stack, context, planFile),
    };
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(8161);
var external_node_os_default = /*#__PURE__*/__nccwpck_require__.n(external_node_os_);
// EXTERNAL MODULE: ./src/plan/terraform-json.ts
var terraform_json = __nccwpck_require__(1946);
// EXTERNAL MODULE: ./node_modules/p-limit/index.js + 1 modules
var p_limit = __nccwpck_require__(370);
;// CONCATENATED MODULE: ./src/engines/provider-installs.ts
// `init`s sharing one provider plugin cache (TF_PLUGIN_CACHE_DIR): only those that may install into it wait for
// each other. Terraform documents concurrent use of the cache as unsupported, and OpenTofu 1.11.6 (which locks
// the cache since 1.10) still failed one init in three runs of the end-to-end test here when two installed into
// one folder at once. An init whose providers an earlier init of this run already put into the cache installs
// nothing there, so it runs beside the others.




const installs = (0,p_limit/* default */.A)(1);
/** Footprints whose first init succeeded: their providers are in the cache. */
const cached = new Set();
const STRING = /"(?:[^"\\\n]|\\.)*"/g;
/** Lines whose strings can name a provider or its version: block labels, `source` and `version`. */
const PROVIDER_LINE = /^\s*(resource|data|ephemeral|provider|list)\s|\b(source|version)\b/;
/**
 * What an init may install. `null`: nothing (no lock file, and the configuration uses only the built-in
 * `terraform_*` resources: no `required_providers`, `provider` or `module` block). `undefined`: not known, because
 * the folder has no lock file (without one, OpenTofu installs into the cache on every init, and two such inits
 * at once crashed OpenTofu 1.11.6 in the test here). Else a digest of the lock file, the configuration with the
 * string values that cannot name a provider blanked (stacks that differ only in names and inputs share one),
 * the init options, the engine, the cache folder and the stack's own environment. A folder that calls modules
 * gets a footprint of its own (a module's providers are not in the folder's text).
 */
async function providerFootprint(stack, cwd, binary, cacheDir) {
    const names = (await (0,promises_.readdir)(cwd).catch(() => []))
        .filter((name) => name.endsWith('.tf') || name.endsWith('.tf.json') || name === '.terraform.lock.hcl')
        .sort();
    const texts = await Promise.all(names.map((name) => (0,promises_.readFile)(external_node_path_default().join(cwd, name), 'utf8').catch(() => undefined)));
    if (texts.includes(undefined))
        return undefined;
    if (!names.includes('.terraform.lock.hcl'))
        return names.every((name, index) => name.endsWith('.tf') && builtinOnly(texts[index]))
            ? null
            : undefined;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    hash.update(JSON.stringify([binary, cacheDir, stack.initArgs ?? [], stack.backendConfig ?? [], stack.env ?? {}]));
    names.forEach((name, index) => {
        hash.update(`\0${name}\0`);
        hash.update(name.endsWith('.tf') ? configShape(texts[index], cwd) : texts[index]);
    });
    return hash.digest('hex');
}
/** No provider but the built-in one: no `required_providers`, `provider`, `module`, only `terraform_*` types. */
function builtinOnly(text) {
    if (/\b(required_providers|provider|module)\b/.test(text))
        return false;
    const types = [...text.matchAll(/^\s*(?:resource|data|ephemeral|list)\s+"([^"]*)"/gm)].map((match) => match[1]);
    return types.every((type) => type.startsWith('terraform_'));
}
/** HCL text with the strings of lines that cannot name a provider blanked; `required_providers` kept whole. */
function configShape(text, cwd) {
    let keepDepth = 0;
    return text
        .split('\n')
        .map((line) => {
        if (/^\s*module\s/.test(line))
            return `${line}\0${cwd}`;
        if (keepDepth > 0 || /\brequired_providers\b/.test(line)) {
            keepDepth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
            return line;
        }
        return PROVIDER_LINE.test(line) ? line : line.replace(STRING, '""');
    })
        .join('\n');
}
/**
 * Runs `init` against the shared cache: alone while its footprint has not been installed yet, beside the others
 * once an init of the same footprint succeeded, at once when it installs nothing. An init that failed beside the others is run once more alone
 * (its footprint guess may have been wrong and it may have raced an install).
 */
async function cacheInit(footprint, init) {
    const install = async () => {
        const result = await init();
        if (typeof footprint === 'string' && result.exitCode === 0)
            cached.add(footprint);
        return result;
    };
    if (footprint === null)
        return init();
    if (footprint === undefined)
        return installs(install);
    if (!cached.has(footprint)) {
        // Waits behind the installs; when one of the same footprint succeeded meanwhile, runs beside the others.
        const result = await installs(() => (cached.has(footprint) ? Promise.resolve(undefined) : install()));
        if (result)
            return result;
    }
    const beside = await init();
    return beside.exitCode === 0 ? beside : installs(install);
}

;// CONCATENATED MODULE: ./src/engines/terraform.ts
// Terraform and OpenTofu: init, plan to a saved file, show it as JSON, parse into the plan model.









const terraform_DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const MAX_ERROR_TEXT = 8 * 1024;
/**
 * The engine environment: the runner's, minus action inputs (the token), plus automation settings and the Go
 * runtime settings for `lanes` engines at once (see `tuneGoRuntime`).
 */
function engineEnvironment(base, lanes = 1, machine = thisMachine()) {
    const env = {};
    for (const [key, value] of Object.entries(base)) {
        if (key.startsWith('INPUT_') || key === 'ACTIONS_RUNTIME_TOKEN')
            continue;
        env[key] = value;
    }
    env.TF_IN_AUTOMATION = '1';
    env.TF_INPUT = '0';
    env.NO_COLOR = '1';
    tuneGoRuntime(env, lanes, machine);
    return env;
}
/** This machine's cores and memory, within the container's memory limit when there is one. */
function thisMachine() {
    const limit = process.constrainedMemory();
    return {
        cores: external_node_os_default().availableParallelism(),
        memoryBytes: limit > 0 ? Math.min(limit, external_node_os_default().totalmem()) : external_node_os_default().totalmem(),
    };
}
/** Go's collector target for the engines: the heap grows to 5× what is live before a collection (Go's default is 2×). */
const ENGINE_GOGC = 400;
/** Below this memory limit per engine process the engines keep Go's defaults: a tight limit costs more than it saves. */
const MIN_ENGINE_MEMORY_LIMIT_MIB = 256;
/**
 * The Go runtime settings of the engines (tofu, terraform, terragrunt and the provider plugins they start inherit
 * them). Go sizes its runtime to every core, so N engines side by side on N cores fight over them: each gets its
 * share as GOMAXPROCS (a lone stack keeps every core). Engines are short-lived processes whose heap grows from a
 * few MiB, so Go's default collector runs a dozen times in each: GOGC=400 took a quarter to a third off their
 * CPU time (16 small stacks), and a tenth to a fifth off planning and showing 10,000 resources, for about twice
 * the memory. GOMEMLIMIT bounds that per process (a soft limit: past it the collector works as hard as it must):
 * an eighth of the machine's memory per lane, as a lane runs the engine and usually a plugin or more. When that is
 * under 256 MiB (many lanes, little memory) the engines keep Go's defaults. GOMAXPROCS the runner, workflow or
 * stack sets is kept; so are GOGC and GOMEMLIMIT, if either is set (a stack's `env:` sets them over these).
 */
function tuneGoRuntime(env, lanes, machine = thisMachine()) {
    const share = Math.max(1, lanes);
    if (env.GOMAXPROCS === undefined && share > 1) {
        env.GOMAXPROCS = String(Math.max(1, Math.floor(machine.cores / share)));
    }
    const limitMiB = Math.floor(machine.memoryBytes / (8 * share) / 2 ** 20);
    if (env.GOGC === undefined && env.GOMEMLIMIT === undefined && limitMiB >= MIN_ENGINE_MEMORY_LIMIT_MIB) {
        env.GOGC = String(ENGINE_GOGC);
        env.GOMEMLIMIT = `${limitMiB}MiB`;
    }
}
/** Diagnostics from the `-json` machine-readable log lines tofu and terraform print. */
function diagnosticsFromLog(log, stackPath) {
    const raw = [];
    for (const line of log.split('\n')) {
        if (!line.startsWith('{'))
            continue;
        try {
            const entry = JSON.parse(line);
            if (entry.type === 'diagnostic' && entry.diagnostic)
                raw.push(entry.diagnostic);
        }
        catch {
            // not a JSON line
        }
    }
    return (0,terraform_json/* diagnosticsFromJson */.fH)(raw, stackPath);
}
function failureMessage(step, result, timeoutMs) {
    if (result.spawnError)
        return `${step}: ${result.spawnError}`;
    if (result.timedOut)
        return `${step} timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`;
    if (result.signal)
        return `${step} was killed by ${result.signal}`;
    return `${step} failed (exit code ${result.exitCode})`;
}
/** Turns a failed step into diagnostics: the structured ones, or the tail of its error output. */
function failureDiagnostics(result, stackPath) {
    const parsed = diagnosticsFromLog(result.stdout, stackPath);
    if (parsed.length > 0)
        return parsed;
    // The tail is where engines say what went wrong; cap it so a flood of output cannot flood the report.
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-40).join('\n');
    const text = tail.length > MAX_ERROR_TEXT ? `…${tail.slice(-MAX_ERROR_TEXT)}` : tail;
    const summary = (text.split('\n').find((line) => line.trim()) ?? text).slice(0, 300);
    return text ? [{ severity: 'error', summary, detail: text }] : [];
}
const versions = new Map();
/** `version -json` of the binary, asked once per run. */
function engineVersion(context) {
    let version = versions.get(context.binary);
    if (!version) {
        version = execFile(context.binary, ['version', '-json'], {
            cwd: context.workspace,
            env: context.env,
            timeoutMs: 60_000,
        }).then((result) => {
            try {
                const parsed = JSON.parse(result.stdout);
                return typeof parsed.terraform_version === 'string' ? parsed.terraform_version : undefined;
            }
            catch {
                return undefined;
            }
        });
        versions.set(context.binary, version);
    }
    return version;
}
/** `init`, then the stack's workspace; the failed step when one fails. */
async function prepare(stack, cwd, run, context, 
/** Terraform/OpenTofu: its binary; inits of one provider footprint then run in parallel once it is cached. */
binary) {
    const initArgs = ['init', '-input=false', '-no-color', '-json', ...initArguments(stack)];
    const init = await initWithCache(stack, cwd, initArgs, run, context, binary);
    if (init.exitCode !== 0)
        return { step: 'init', result: init };
    // Stacks may share a folder with different workspaces (they run one after another): select every time the
    // folder has a selection, so a stack never plans in the workspace its neighbour left behind.
    const workspace = stack.workspace || 'default';
    if (workspace !== 'default' || (0,external_node_fs_.existsSync)(external_node_path_default().join(cwd, '.terraform', 'environment'))) {
        const select = await run(['workspace', 'select', '-or-create=true', '-no-color', workspace]);
        if (select.exitCode !== 0)
            return { step: `workspace select ${workspace}`, result: select };
    }
    return undefined;
}
/**
 * `init` under the plugin cache's rules (a shared TF_PLUGIN_CACHE_DIR, the job's or the runner's): inits that may
 * install into it take turns (cacheInit), and a folder without a lock file keeps to a folder of its own. Without
 * `binary` (Terragrunt runs the engine itself) the footprint is unknown and the inits take turns.
 */
async function initWithCache(stack, cwd, initArgs, run, context, binary) {
    const cacheDir = { ...context.env, ...stack.env }.TF_PLUGIN_CACHE_DIR;
    if (!cacheDir)
        return run(initArgs);
    const footprint = binary ? await providerFootprint(stack, cwd, binary, cacheDir) : undefined;
    if (footprint === undefined && binary && !stack.env?.TF_PLUGIN_CACHE_DIR) {
        return run(initArgs, { TF_PLUGIN_CACHE_DIR: await privateCacheDir(context.tempDir, cwd) });
    }
    return cacheInit(footprint, () => run(initArgs));
}
/**
 * A plugin folder of the stack's own, for a folder without a lock file: OpenTofu then installs its providers
 * from their origin on every init and rewrites the shared cache, which another stack's running plan reads
 * through its `.terraform/providers` links ("Required plugins are not installed" in the end-to-end test here).
 * Without a lock file the shared cache saves no download, so such inits keep to their own and run at once.
 */
async function privateCacheDir(tempDir, cwd) {
    const dir = external_node_path_default().join(tempDir, 'plugin-cache-own', (0,external_node_crypto_.createHash)('sha256').update(cwd).digest('hex').slice(0, 16));
    await (0,promises_.mkdir)(dir, { recursive: true, mode: 0o700 });
    return dir;
}
/** The `plan` command line Stackgate owns, then the stack's own var files and plan options. */
function planArguments(stack, planFile, refreshOnly) {
    return [
        'plan',
        '-input=false',
        '-no-color',
        '-json',
        '-detailed-exitcode',
        ...(refreshOnly ? ['-refresh-only'] : []),
        `-out=${planFile}`,
        ...stack.varFiles.map((file) => `-var-file=${file}`),
        ...(stack.planArgs ?? []),
    ];
}
/**
 * The stack's backend settings and its own init options. With backend settings, `-reconfigure`: stacks that
 * share a folder with different backends must not see (or migrate) the backend the previous one left there.
 */
function initArguments(stack) {
    const backend = (stack.backendConfig ?? []).map((entry) => `-backend-config=${entry}`);
    return [...(backend.length > 0 ? ['-reconfigure', ...backend] : []), ...(stack.initArgs ?? [])];
}
/** Where this run keeps the plan file of `stack` (its folder is created; only this run's user reads it). */
async function planFilePath(stack, tempDir, name = 'plan.tfplan') {
    const planDir = external_node_path_default().join(tempDir, 'plans', planFolderName(stack));
    await (0,promises_.mkdir)(planDir, { recursive: true, mode: 0o700 });
    return external_node_path_default().join(planDir, name);
}
/** A folder name per stack that no other stack can share (names differing only in punctuation included). */
function planFolderName(stack) {
    const readable = stack.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
    const unique = (0,external_node_crypto_.createHash)('sha256').update(`${stack.name}\0${stack.path}`).digest('hex').slice(0, 12);
    return `${readable}-${unique}`;
}
/** One engine run of a stack: its folder, its environment over the run's, and one deadline for every step. */
function stackRunner(stack, context) {
    const started = Date.now();
    const cwd = external_node_path_default().join(context.workspace, stack.path);
    const env = { ...context.env, ...stack.env };
    const timeoutMs = stack.timeoutMs ?? terraform_DEFAULT_TIMEOUT_MS;
    const remaining = () => Math.max(1000, started + timeoutMs - Date.now());
    const run = (args, extraEnv) => execFile(context.binary, args, { cwd, env: { ...env, ...extraEnv }, timeoutMs: remaining() });
    return { started, cwd, timeoutMs, remaining, run };
}
async function planTerraformStack(stack, context, salt, options = {}) {
    const refreshOnly = options.mode === 'refresh-only';
    const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, context);
    const errored = planFailure(stack, started, timeoutMs);
    const prepared = await prepare(stack, cwd, run, context, context.binary);
    if (prepared)
        return errored(prepared.step, prepared.result);
    // The refresh-only plan of a drift run sits beside the normal one: neither overwrites the other.
    const planFile = await planFilePath(stack, context.tempDir, refreshOnly ? 'refresh-only.tfplan' : 'plan.tfplan');
    const plan = await run(planArguments(stack, planFile, refreshOnly));
    // -detailed-exitcode: 0 no changes, 2 changes, anything else an error.
    if (plan.exitCode !== 0 && plan.exitCode !== 2)
        return errored('plan', plan);
    const warnings = diagnosticsFromLog(plan.stdout, stack.path);
    return showPlan(stack, context, planFile, salt, { warnings, started, remaining, errored });
}
/** A failed plan step as a result: its diagnostics, and a short message led by the first error. */
function planFailure(stack, started, timeoutMs) {
    return (step, result, extra = []) => {
        const diagnostics = [...extra, ...failureDiagnostics(result, stack.path)];
        // The first error says what went wrong; it joins the short message shown in the log and the table.
        const first = diagnostics.find((diagnostic) => diagnostic.severity === 'error')?.summary;
        const message = failureMessage(step, result, timeoutMs);
        return {
            status: 'errored',
            diagnostics,
            message: first && !result.timedOut ? `${message}: ${first.slice(0, 200)}` : message,
            durationMs: Date.now() - started,
        };
    };
}
/** `show -json` of a saved plan, parsed, with its fingerprint. */
async function showPlan(stack, context, planFile, salt, options) {
    const { warnings, started, remaining, errored } = options;
    const cwd = options.cwd ?? external_node_path_default().join(context.workspace, stack.path);
    const env = { ...context.env, ...stack.env };
    // A large plan's JSON runs to tens of megabytes: never cut it (a cut document does not parse).
    const show = await execFile(context.binary, ['show', '-json', '-no-color', planFile], {
        cwd,
        env,
        timeoutMs: remaining(),
        maxOutputBytes: Number.POSITIVE_INFINITY,
    });
    if (show.exitCode !== 0)
        return errored('show', show, warnings);
    let showJson;
    try {
        showJson = JSON.parse(show.stdout);
    }
    catch {
        return {
            status: 'errored',
            diagnostics: warnings,
            message: `show -json printed output that is not JSON (${show.stdout.length} bytes)`,
            durationMs: Date.now() - started,
        };
    }
    let parsed;
    try {
        parsed = (0,terraform_json/* parseTerraformPlan */.Fr)(showJson, `${stack.path}/plan.json`);
    }
    catch (error) {
        return {
            status: 'errored',
            diagnostics: warnings,
            message: error.message,
            durationMs: Date.now() - started,
        };
    }
    parsed.diagnostics.push(...warnings);
    return {
        status: parsed.hasChanges ? 'planned' : 'no-changes',
        plan: parsed,
        diagnostics: [],
        planFile,
        fingerprint: planFingerprint(showJson, { ...salt, stack: stack.name }),
        durationMs: Date.now() - started,
    };
}
/**
 * A saved plan file from elsewhere (restored from the cache): init, then `show -json`, parsed, fingerprinted.
 * Its fingerprint is computed from the file itself, so a tampered file cannot pass for the reviewed plan.
 */
async function inspectTerraformPlan(stack, context, planFile, salt) {
    const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, context);
    const errored = (step, result, extra = []) => ({
        status: 'errored',
        diagnostics: [...extra, ...failureDiagnostics(result, stack.path)],
        message: failureMessage(step, result, timeoutMs),
        durationMs: Date.now() - started,
    });
    const prepared = await prepare(stack, cwd, run, context, context.binary);
    if (prepared)
        return errored(prepared.step, prepared.result);
    return showPlan(stack, context, planFile, salt, { warnings: [], started, remaining, errored });
}
/** First changed line of a unified diff: the old side's hunk start plus the context before the first change. */
function firstChangedLine(diff) {
    const lines = diff.split('\n');
    for (let i = 0; i < lines.length; i++) {
        const hunk = /^@@ -(\d+)/.exec(lines[i] ?? '');
        if (!hunk)
            continue;
        let line = Number(hunk[1]);
        for (let j = i + 1; j < lines.length; j++) {
            const text = lines[j] ?? '';
            if (text.startsWith('-') || text.startsWith('+'))
                return line;
            line++;
        }
    }
    return 1;
}
/**
 * Splits `fmt -check -diff` output into one problem per misformatted file. Before each file's diff fmt prints
 * the file's name on a line of its own: it ends the previous diff and is cut from it by exact match, so a name
 * starting with `-`, `+` or a space is never read as a diff line.
 */
function parseFormatDiff(output, stackPath) {
    const blocks = output.split(/^(?=--- old\/)/m).filter((block) => block.startsWith('--- old/'));
    const names = blocks.map((block) => /^--- old\/(.+)$/m.exec(block)?.[1]);
    const problems = [];
    blocks.forEach((block, index) => {
        const name = names[index]?.trimEnd();
        if (!name)
            return;
        let diff = block.trimEnd();
        const next = names[index + 1];
        if (next !== undefined && diff.endsWith(`\n${next}`))
            diff = diff.slice(0, -next.length - 1).trimEnd();
        const file = stackPath === '.' ? name : `${stackPath}/${name}`;
        problems.push({ file, line: firstChangedLine(diff), diff });
    });
    return problems;
}
/**
 * `fmt -check -diff` over several folders in one process, run from the workspace: each file's problem goes to
 * its folder, its diff headers as a run inside that folder prints them (`old/main.tf`), so the findings are
 * the same either way. Undefined when the output cannot be split that way: fmt stopped on a file it cannot
 * read (it then prints no diff at all), or named a file outside the folders asked for.
 */
async function checkTerraformFormat(folders, context) {
    // fmt prints cleaned paths (`./a/` as `a`): match them against the cleaned folder, keep the caller's key.
    const byTarget = new Map();
    for (const folder of folders)
        byTarget.set(external_node_path_default().posix.normalize(folder).replace(/(.)\/+$/, '$1'), folder);
    const found = new Map(folders.map((folder) => [folder, []]));
    if (byTarget.size === 0)
        return found;
    // `--`: a folder named `-x` is a target, not a flag.
    const fmt = await execFile(context.binary, ['fmt', '-check', '-diff', '-no-color', '--', ...byTarget.keys()], {
        cwd: context.workspace,
        env: context.env,
        timeoutMs: terraform_DEFAULT_TIMEOUT_MS,
        maxOutputBytes: Number.POSITIVE_INFINITY,
    });
    if (fmt.exitCode === 0)
        return found;
    if (fmt.exitCode !== 3)
        return undefined;
    const problems = parseFormatDiff(fmt.stdout, '.');
    if (problems.length === 0)
        return undefined;
    for (const problem of problems) {
        const target = external_node_path_default().posix.dirname(problem.file);
        const folder = byTarget.get(target);
        if (folder === undefined)
            return undefined;
        const name = target === '.' ? problem.file : problem.file.slice(target.length + 1);
        const inFolder = folder === '.' ? name : `${folder}/${name}`;
        const diff = problem.diff.replace(/^--- old\/.*\n\+\+\+ new\/.*$/m, `--- old/${name}\n+++ new/${name}`);
        found.get(folder).push({ file: inFolder, line: problem.line, diff });
    }
    return found;
}
/** `fmt -check -diff` and `validate -json` after `init -backend=false`: no credentials needed. */
async function checkTerraformStack(stack, context, runValidate = true, runFormat = true) {
    const cwd = external_node_path_default().join(context.workspace, stack.path);
    const env = { ...context.env, ...stack.env };
    const timeoutMs = stack.timeoutMs ?? terraform_DEFAULT_TIMEOUT_MS;
    const run = (args, extraEnv) => execFile(context.binary, args, { cwd, env: { ...env, ...extraEnv }, timeoutMs });
    let format = [];
    let unreadable = [];
    if (runFormat) {
        const fmt = await run(['fmt', '-check', '-diff', '-no-color']);
        if (fmt.spawnError)
            return { format: [], diagnostics: [], message: `fmt: ${fmt.spawnError}` };
        format = fmt.exitCode === 0 ? [] : parseFormatDiff(fmt.stdout, stack.path);
        // fmt exits 3 for files to reformat; anything else means it could not read a file (and printed no diff at
        // all): those errors must fail the gate, with their place but never the source line (it may hold a secret).
        unreadable = fmt.exitCode === 0 || fmt.exitCode === 3 ? [] : formatErrors(fmt, stack.path);
    }
    if (!runValidate)
        return { format, diagnostics: unreadable };
    const initArgs = ['init', '-backend=false', '-input=false', '-no-color', '-json'];
    const init = await initWithCache(stack, cwd, initArgs, run, context, context.binary);
    if (init.exitCode !== 0) {
        return {
            format,
            diagnostics: [...unreadable, ...failureDiagnostics(init, stack.path)],
            message: failureMessage('init', init, timeoutMs),
        };
    }
    const validate = await run(['validate', '-json', '-no-color']);
    let diagnostics;
    try {
        diagnostics = (0,terraform_json/* diagnosticsFromJson */.fH)(JSON.parse(validate.stdout), stack.path);
    }
    catch {
        return {
            format,
            diagnostics: failureDiagnostics(validate, stack.path),
            message: failureMessage('validate', validate, timeoutMs),
        };
    }
    return { format, diagnostics: [...unreadable, ...diagnostics] };
}
/** `Error: SUMMARY` … `on FILE line N` blocks of fmt's error output, as diagnostics without source text. */
function formatErrors(result, stackPath) {
    const errors = [];
    for (const match of result.stderr.matchAll(/Error: ([^\n]+)\n\s*\n\s+on (.+?) line (\d+)/g)) {
        const [, summary = '', file = '', line = '1'] = match;
        errors.push({
            severity: 'error',
            summary: `fmt cannot read this file: ${summary}`,
            file: stackPath === '.' ? file : `${stackPath}/${file}`,
            line: Number(line),
        });
    }
    if (errors.length > 0)
        return errors;
    return [{ severity: 'error', summary: failureMessage('fmt', result, 0) }];
}
/** Resource addresses the `-json` apply log reports complete. */
function appliedFromLog(log) {
    const applied = [];
    for (const line of log.split('\n')) {
        if (!line.startsWith('{'))
            continue;
        try {
            const entry = JSON.parse(line);
            const addr = entry.hook?.resource?.addr;
            if (entry.type === 'apply_complete' && addr)
                applied.push(addr);
        }
        catch {
            // not a JSON line
        }
    }
    return applied;
}
/**
 * `apply -input=false PLANFILE`: exactly the saved plan, never a fresh one. A failed apply is not retried; the
 * result says what was applied before it stopped and carries the engine's diagnostics.
 */
async function applyTerraformStack(stack, context, planFile) {
    const { started, cwd, timeoutMs, run } = stackRunner(stack, context);
    const failed = (step, result, applied = []) => {
        const diagnostics = failureDiagnostics(result, stack.path);
        const first = diagnostics.find((diagnostic) => diagnostic.severity === 'error')?.summary;
        const message = failureMessage(step, result, timeoutMs);
        return {
            status: 'errored',
            diagnostics,
            message: first && !result.timedOut ? `${message}: ${first.slice(0, 200)}` : message,
            applied,
            durationMs: Date.now() - started,
        };
    };
    const prepared = await prepare(stack, cwd, run, context, context.binary);
    if (prepared)
        return failed(prepared.step, prepared.result);
    const apply = await run([
        'apply',
        '-input=false',
        '-no-color',
        '-json',
        ...(stack.applyArgs ?? []),
        planFile,
    ]);
    const applied = appliedFromLog(apply.stdout);
    if (apply.exitCode !== 0)
        return failed('apply', apply, applied);
    return {
        status: 'applied',
        diagnostics: diagnosticsFromLog(apply.stdout, stack.path),
        applied,
        durationMs: Date.now() - started,
    };
}
/** Terraform or OpenTofu as an Engine. */
function terraformEngine(binary) {
    let installed;
    return {
        name: binary,
        available: () => (installed ??= which(binary).then((found) => found !== undefined)),
        check: (stack, context, options) => checkTerraformStack(stack, { ...context, binary }, options.validate, options.format ?? true),
        checkFormat: (folders, context) => checkTerraformFormat(folders, { ...context, binary }),
        version: (context) => engineVersion({ ...context, binary }),
        plan: (stack, context, salt, options) => planTerraformStack(stack, { ...context, binary }, salt, options),
        inspect: (stack, context, planFile, salt) => inspectTerraformPlan(stack, { ...context, binary }, planFile, salt),
        planFile: (stack, context) => planFilePath(stack, context.tempDir),
        apply: (stack, context, planFile) => applyTerraformStack(stack, { ...context, binary }, planFile),
    };
}

;// CONCATENATED MODULE: ./src/engines/terragrunt.ts
// Terragrunt units (`engine: terragrunt`): Terragrunt plans each unit over tofu (TERRAGRUNT_TFPATH), and says
// itself what a unit reads (`render-json --with-metadata`): the files its values come from (includes), its local
// `terraform { source }` module and the units its `dependency` blocks name. Pinned and tested: v0.58.0.





/** The file that makes a folder a unit. */
const TERRAGRUNT_FILE = 'terragrunt.hcl';
/** The engine Terragrunt runs: the environment's TERRAGRUNT_TFPATH, else tofu. */
function tfPath(env) {
    return env.TERRAGRUNT_TFPATH || 'tofu';
}
/** Terragrunt's settings for a run: never prompt, no colour, the engine it wraps, its cache out of the checkout. */
function terragruntEnvironment(env, downloadDir) {
    return {
        ...env,
        TERRAGRUNT_TFPATH: tfPath(env),
        TERRAGRUNT_NON_INTERACTIVE: 'true',
        TERRAGRUNT_NO_COLOR: 'true',
        TERRAGRUNT_DOWNLOAD: downloadDir,
    };
}
/** A unit's own Terragrunt cache in this run, beside its plan file. */
async function unitContext(stack, context) {
    const unitDir = external_node_path_default().dirname(await planFilePath(stack, context.tempDir));
    const downloadDir = external_node_path_default().join(unitDir, 'terragrunt-cache');
    await (0,promises_.mkdir)(downloadDir, { recursive: true });
    const env = terragruntEnvironment(context.env, downloadDir);
    // Terragrunt inits by itself inside plan, and units seldom have a lock file: such an init reinstalls into the
    // plugin cache, under the feet of another stack planning from it. A unit keeps to a folder of its own (its
    // own TF_PLUGIN_CACHE_DIR in `env:` still wins).
    if (env.TF_PLUGIN_CACHE_DIR) {
        env.TF_PLUGIN_CACHE_DIR = external_node_path_default().join(unitDir, 'plugin-cache');
        await (0,promises_.mkdir)(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
    }
    return { ...context, binary: 'terragrunt', env };
}
/**
 * Where Terragrunt ran the engine: the folder below its cache that holds `.terraform` (the copied module), or
 * the unit's own folder when it has no `source`.
 */
async function workingFolder(downloadDir, unitDir) {
    const visit = async (dir, depth) => {
        const entries = await (0,promises_.readdir)(dir, { withFileTypes: true }).catch(() => []);
        if (entries.some((entry) => entry.isDirectory() && entry.name === '.terraform'))
            return dir;
        if (depth === 0)
            return undefined;
        for (const entry of entries) {
            if (!entry.isDirectory() || entry.name === '.terraform')
                continue;
            const found = await visit(external_node_path_default().join(dir, entry.name), depth - 1);
            if (found)
                return found;
        }
        return undefined;
    };
    return (await visit(downloadDir, 8)) ?? unitDir;
}
const MOCK_LOG = /config (\S+?) is a dependency of (\S+?) that has no outputs, but mock outputs provided and returning those/g;
/**
 * Dependencies whose `mock_outputs` stood in for real outputs in this plan, from Terragrunt's own debug log
 * (v0.58.0 wording): each as a warning on the unit, so the comment says the values are placeholders.
 */
function mockOutputNotes(log, workspace, stack) {
    const seen = new Set();
    const notes = [];
    for (const match of log.matchAll(MOCK_LOG)) {
        const dependency = toWorkspacePath(workspace, external_node_path_default().dirname(match[1] ?? ''));
        if (dependency === undefined || seen.has(dependency))
            continue;
        seen.add(dependency);
        notes.push({
            severity: 'warning',
            summary: `Mock outputs of ${dependency}: placeholders, not real values`,
            detail: `The dependency ${dependency} has no outputs yet (not applied), so this plan uses the \`mock_outputs\` of ` +
                `its \`dependency\` block wherever the unit reads \`dependency.…outputs\`. Those values are placeholders: ` +
                `apply ${dependency} first, then plan this unit again to see the real ones.`,
            file: unitFile(stack),
        });
    }
    return notes;
}
/** `terragrunt plan -out`, then the wrapped engine's `show -json` of the plan in Terragrunt's working folder. */
async function planUnit(stack, context, salt, options = {}) {
    const unit = await unitContext(stack, context);
    const refreshOnly = options.mode === 'refresh-only';
    const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, unit);
    const errored = planFailure(stack, started, timeoutMs);
    // Terragrunt initialises by itself inside plan (where mock outputs are allowed); an explicit init runs only for
    // the stack's own init settings.
    if (stack.backendConfig?.length || stack.initArgs?.length || stack.workspace !== 'default') {
        const prepared = await prepare(stack, cwd, run, context);
        if (prepared)
            return errored(prepared.step, prepared.result);
    }
    const planFile = await planFilePath(stack, context.tempDir, refreshOnly ? 'refresh-only.tfplan' : 'plan.tfplan');
    const plan = await run([
        ...planArguments(stack, planFile, refreshOnly),
        // Terragrunt's own flag (not passed on): its debug log says when mock outputs stand in.
        '--terragrunt-log-level',
        'debug',
    ]);
    if (plan.exitCode !== 0 && plan.exitCode !== 2)
        return errored('plan', plan);
    const warnings = [
        ...mockOutputNotes(plan.stderr, context.workspace, stack),
        ...diagnosticsFromLog(plan.stdout, stack.path),
    ];
    const engine = { ...context, binary: tfPath(context.env) };
    const showCwd = await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd);
    return showPlan(stack, engine, planFile, salt, { warnings, started, remaining, errored, cwd: showCwd });
}
/** A saved plan from elsewhere: Terragrunt prepares the working folder (init), the engine shows the plan. */
async function inspectUnit(stack, context, planFile, salt) {
    const unit = await unitContext(stack, context);
    const { started, cwd, timeoutMs, remaining, run } = stackRunner(stack, unit);
    const errored = planFailure(stack, started, timeoutMs);
    const prepared = await prepare(stack, cwd, run, context);
    if (prepared)
        return errored(prepared.step, prepared.result);
    const engine = { ...context, binary: tfPath(context.env) };
    const showCwd = await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd);
    return showPlan(stack, engine, planFile, salt, { warnings: [], started, remaining, errored, cwd: showCwd });
}
/** Terragrunt as an Engine: units are planned and applied through it, over the engine it wraps. */
function terragruntEngine() {
    let installed;
    return {
        name: 'terragrunt',
        available: () => (installed ??= Promise.all([which('terragrunt'), which(tfPath(process.env))]).then((found) => found.every((binary) => binary !== undefined))),
        // Formatting and validation of a unit are its module's (checked where the module is a stack of its own).
        check: () => Promise.resolve({ format: [], diagnostics: [] }),
        plan: planUnit,
        inspect: inspectUnit,
        planFile: (stack, context) => planFilePath(stack, context.tempDir),
        apply: applyUnit,
    };
}
// ---------------------------------------------------------------------------------------------------------
// What units read, asked from Terragrunt.
/** `path` (absolute) as a posix path relative to the workspace; undefined outside it. */
function toWorkspacePath(workspace, absolute) {
    const relative = external_node_path_default().relative(workspace, absolute);
    if (relative.startsWith('..') || external_node_path_default().isAbsolute(relative))
        return undefined;
    return relative === '' ? '.' : relative.split((external_node_path_default()).sep).join('/');
}
const isJson = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A field of `render-json --with-metadata`: `{ metadata, value }`; the value either way. */
function terragrunt_valueOf(field) {
    return isJson(field) && 'value' in field && 'metadata' in field ? field.value : field;
}
/** Every `found_in_file` in the rendered tree: the files the unit's values come from. */
function filesFound(node, into) {
    if (Array.isArray(node)) {
        for (const item of node)
            filesFound(item, into);
        return;
    }
    if (!isJson(node))
        return;
    const metadata = node.metadata;
    if (isJson(metadata) && typeof metadata.found_in_file === 'string')
        into.add(metadata.found_in_file);
    for (const value of Object.values(node))
        filesFound(value, into);
}
/** A local module source (`../modules/app`, `../modules//app`) as a folder; undefined for a remote one. */
function localSource(source, unitDir) {
    if (source.includes('::') || /^[a-z]+:\/\//i.test(source))
        return undefined;
    if (!source.startsWith('.') && !path.isAbsolute(source))
        return undefined;
    const [folder = source] = source.split('?');
    return path.resolve(unitDir, folder.replace(/\/\/+/g, '/'));
}
/** The facts of one unit from its rendered configuration (absolute paths resolved against `unitDir`). */
function factsFromRendered(rendered, workspace, unitDir) {
    const found = new Set();
    filesFound(rendered, found);
    const own = path.join(unitDir, TERRAGRUNT_FILE);
    const includes = [...found]
        .filter((file) => path.resolve(unitDir, file) !== own)
        .flatMap((file) => toWorkspacePath(workspace, path.resolve(unitDir, file)) ?? [])
        .sort();
    const dependencies = new Set();
    const blocks = terragrunt_valueOf(rendered.dependency);
    for (const block of isJson(blocks) ? Object.values(blocks) : []) {
        const configPath = terragrunt_valueOf(block)?.config_path;
        if (typeof configPath === 'string')
            dependencies.add(path.resolve(unitDir, configPath));
    }
    const listed = terragrunt_valueOf(rendered.dependencies)?.paths;
    for (const dependency of Array.isArray(listed) ? listed : []) {
        if (typeof dependency === 'string')
            dependencies.add(path.resolve(unitDir, dependency));
    }
    const facts = {
        includes,
        dependencies: [...dependencies].flatMap((folder) => toWorkspacePath(workspace, folder) ?? []).sort(),
    };
    const terraform = terragrunt_valueOf(rendered.terraform);
    const source = isJson(terraform) && typeof terraform.source === 'string' ? terraform.source : undefined;
    const sourceFolder = source === undefined ? undefined : localSource(source, unitDir);
    const relativeSource = sourceFolder === undefined ? undefined : toWorkspacePath(workspace, sourceFolder);
    if (relativeSource !== undefined)
        facts.source = relativeSource;
    return facts;
}
/**
 * `terragrunt render-json --with-metadata` of one unit, into a file of this run (never into the checkout): the
 * rendered configuration, or why Terragrunt could not give it.
 */
async function renderUnit(stack, context) {
    const unit = await unitContext(stack, context);
    const dir = await (0,promises_.mkdtemp)(external_node_path_default().join(context.tempDir, 'terragrunt-render-'));
    const out = external_node_path_default().join(dir, 'rendered.json');
    const cwd = external_node_path_default().join(context.workspace, stack.path);
    try {
        const result = await execFile('terragrunt', ['render-json', '--with-metadata', '--terragrunt-json-out', out], { cwd, env: { ...unit.env, ...stack.env }, timeoutMs: stack.timeoutMs ?? 5 * 60 * 1000 });
        const text = result.exitCode === 0 ? await (0,promises_.readFile)(out, 'utf8').catch(() => undefined) : undefined;
        if (text === undefined) {
            const why = failureDiagnostics(result, stack.path)[0]?.summary ?? `exit code ${result.exitCode}`;
            return `terragrunt render-json failed in ${stack.path}: ${why}`;
        }
        const rendered = JSON.parse(text);
        if (!isJson(rendered))
            throw new Error('not a JSON object');
        return rendered;
    }
    catch (error) {
        return `terragrunt render-json in ${stack.path} gave no usable JSON: ${error.message}`;
    }
    finally {
        await (0,promises_.rm)(dir, { recursive: true, force: true });
    }
}
async function describeUnit(stack, context) {
    const rendered = await renderUnit(stack, context);
    if (typeof rendered === 'string')
        return { includes: [], dependencies: [], error: rendered };
    return factsFromRendered(rendered, context.workspace, path.join(context.workspace, stack.path));
}
/** JSON text with object keys sorted, to compare values whatever their key order. */
function terragrunt_canonical(value) {
    if (Array.isArray(value))
        return `[${value.map(terragrunt_canonical).join(',')}]`;
    if (isJson(value)) {
        const keys = Object.keys(value).sort();
        return `{${keys.map((key) => `${JSON.stringify(key)}:${terragrunt_canonical(value[key])}`).join(',')}}`;
    }
    return JSON.stringify(value ?? null);
}
/**
 * Inputs of the unit whose value now differs from the one its saved plan holds: a dependency's mock output that
 * a real output has replaced since (the dependency was applied), or an output that changed. Names only.
 */
function staleInputs(rendered, planVariables) {
    const inputs = terragrunt_valueOf(rendered.inputs);
    if (!isJson(inputs) || !isJson(planVariables))
        return [];
    const stale = [];
    for (const [name, field] of Object.entries(inputs)) {
        const planned = planVariables[name];
        if (!isJson(planned) || !('value' in planned))
            continue;
        if (terragrunt_canonical(terragrunt_valueOf(field)) !== terragrunt_canonical(planned.value))
            stale.push(name);
    }
    return stale.sort();
}
function unitFile(stack) {
    return stack.path === '.' ? TERRAGRUNT_FILE : `${stack.path}/${TERRAGRUNT_FILE}`;
}
/**
 * Applies the reviewed plan only while Terragrunt still renders the inputs it was made with: a plan made on a
 * dependency's mock outputs is refused once the dependency has real ones (plan again to review the real values).
 */
async function applyUnit(stack, context, planFile) {
    const started = Date.now();
    const unit = await unitContext(stack, context);
    const cwd = external_node_path_default().join(context.workspace, stack.path);
    const refused = (message) => ({
        status: 'errored',
        diagnostics: [{ severity: 'error', summary: message, file: unitFile(stack) }],
        message,
        applied: [],
        durationMs: Date.now() - started,
    });
    const { run } = stackRunner(stack, unit);
    const prepared = await prepare(stack, cwd, run, context);
    if (prepared) {
        const why = failureDiagnostics(prepared.result, stack.path)[0]?.summary ?? 'no output';
        return refused(`${prepared.step} failed in ${stack.path}: ${why}`);
    }
    const show = await execFile(tfPath(context.env), ['show', '-json', '-no-color', planFile], {
        cwd: await workingFolder(unit.env.TERRAGRUNT_DOWNLOAD ?? '', cwd),
        env: { ...unit.env, ...stack.env },
        timeoutMs: stack.timeoutMs ?? 5 * 60 * 1000,
        maxOutputBytes: Number.POSITIVE_INFINITY,
    });
    let variables;
    try {
        variables = JSON.parse(show.stdout).variables;
    }
    catch {
        return refused(`cannot read the saved plan of ${stack.path} (show -json exit code ${show.exitCode})`);
    }
    const rendered = await renderUnit(stack, context);
    if (typeof rendered === 'string')
        return refused(rendered);
    const stale = staleInputs(rendered, variables);
    if (stale.length > 0) {
        return refused(`the reviewed plan of ${stack.path} was made with other values of ${stale.join(', ')} than Terragrunt ` +
            'gives now (mock outputs of a dependency applied since, or a changed output): not applied; plan again ' +
            '(/stackgate plan) and review the real values');
    }
    return applyTerraformStack(stack, unit, planFile);
}
/**
 * The stacks with Terragrunt's answer on each unit: what it reads (`terragrunt`) and the units it depends on
 * (`dependsOn`, so apply runs them in order). Discovered stacks lose the folders that are only parts of units:
 * a `terragrunt.hcl` another unit includes, and a Terraform folder a unit uses as its `source`.
 */
async function withUnitGraph(stacks, context, options) {
    const units = stacks.filter((stack) => stack.engine === 'terragrunt');
    if (units.length === 0)
        return stacks;
    const facts = await forEachStack(units, options.parallelism, (unit) => describeUnit(unit, context));
    const byPath = new Map(units.map((unit, index) => [unit.path, facts[index]]));
    const included = new Set([...byPath.values()].flatMap((fact) => fact.includes));
    const sources = new Set([...byPath.values()].flatMap((fact) => (fact.source ? [fact.source] : [])));
    const kept = stacks.filter((stack) => {
        if (!options.discovered)
            return true;
        const own = stack.path === '.' ? TERRAGRUNT_FILE : `${stack.path}/${TERRAGRUNT_FILE}`;
        if (stack.engine === 'terragrunt')
            return !included.has(own);
        return !sources.has(stack.path);
    });
    const nameOf = new Map(kept.map((stack) => [stack.path, stack.name]));
    return kept.map((stack) => {
        const fact = byPath.get(stack.path);
        if (stack.engine !== 'terragrunt' || !fact)
            return stack;
        const dependsOn = new Set(stack.dependsOn ?? []);
        for (const dependency of fact.dependencies) {
            const name = nameOf.get(dependency);
            if (name !== undefined && name !== stack.name)
                dependsOn.add(name);
        }
        return { ...stack, terragrunt: fact, ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn] } : {}) };
    });
}

;// CONCATENATED MODULE: ./src/engines/index.ts





const engines = new Map();
function engineNamed(name) {
    let engine = engines.get(name);
    if (!engine) {
        engine =
            name === 'ansible'
                ? ansibleEngine()
                : name === 'terragrunt'
                    ? terragruntEngine()
                    : terraformEngine(name);
        engines.set(name, engine);
    }
    return engine;
}
/** The engine that plans and applies `stack`. */
function engineFor(stack, fallback) {
    return engineNamed(stack.engine ?? fallback);
}
/** `auto`: tofu when on PATH, else terraform. */
async function resolveEngineChoice(choice) {
    if (choice !== 'auto')
        return choice;
    return (await which('tofu')) ? 'tofu' : 'terraform';
}


/***/ }),

/***/ 8582:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $B: () => (/* binding */ SensitiveMarker),
/* harmony export */   Ht: () => (/* binding */ MAX_VALUE_DEPTH),
/* harmony export */   W1: () => (/* binding */ emptyCounts),
/* harmony export */   n8: () => (/* binding */ EncodedJson),
/* harmony export */   rg: () => (/* binding */ isMarker),
/* harmony export */   sC: () => (/* binding */ DeepValueMarker),
/* harmony export */   t8: () => (/* binding */ isUnknown),
/* harmony export */   t9: () => (/* binding */ UnknownMarker),
/* harmony export */   tV: () => (/* binding */ isSensitive)
/* harmony export */ });
/* unused harmony exports PlanMarker, DEEP_VALUE_TEXT */
// The engine-neutral plan model: what planning one stack produced, whatever the engine.
/** Base of the model's own markers; plain objects parsed from JSON are never instances. */
class PlanMarker {
}
/** A value hidden because the engine marked it sensitive or its name looks secret. */
class SensitiveMarker extends PlanMarker {
    /** Set on the `after` side when the hidden value differs from `before` (so a diff can say it changed). */
    changed;
    constructor(changed = false) {
        super();
        this.changed = changed;
        Object.freeze(this);
    }
    toJSON() {
        return this.changed ? '(sensitive value, changed)' : '(sensitive value)';
    }
}
/** A value the engine knows only after apply. */
class UnknownMarker extends PlanMarker {
    constructor() {
        super();
        Object.freeze(this);
    }
    toJSON() {
        return '(known after apply)';
    }
}
/** A value nested deeper than the model keeps; `digest` tells two such values apart without showing them. */
class DeepValueMarker extends PlanMarker {
    digest;
    constructor(digest) {
        super();
        this.digest = digest;
        Object.freeze(this);
    }
    toJSON() {
        return DEEP_VALUE_TEXT;
    }
}
/** A string that held JSON, decoded by the parser because something inside it had to be hidden or cut. */
class EncodedJson extends PlanMarker {
    decoded;
    constructor(decoded) {
        super();
        this.decoded = decoded;
        Object.freeze(this);
    }
    toJSON() {
        return JSON.stringify(this.decoded);
    }
}
/** Levels of nesting the model keeps; deeper values become a `DeepValueMarker`. */
const MAX_VALUE_DEPTH = 48;
const DEEP_VALUE_TEXT = `(nested more than ${MAX_VALUE_DEPTH} levels deep: not shown)`;
function emptyCounts() {
    return { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0, read: 0, drift: 0, forget: 0 };
}
function isSensitive(value) {
    return value instanceof SensitiveMarker;
}
function isUnknown(value) {
    return value instanceof UnknownMarker;
}
function isMarker(value) {
    return value instanceof PlanMarker;
}


/***/ }),

/***/ 8526:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   FI: () => (/* binding */ redactValue),
/* harmony export */   L9: () => (/* binding */ newRedactState),
/* harmony export */   NP: () => (/* binding */ SENSITIVE),
/* harmony export */   aQ: () => (/* binding */ SENSITIVE_CHANGED),
/* harmony export */   xU: () => (/* binding */ knownSecrets)
/* harmony export */ });
/* unused harmony exports UNKNOWN, HIDDEN_TEXT, looksSecret, redactText, redactDiagnostics */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8815);
/* harmony import */ var _model_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(8582);
/* harmony import */ var _scan_names_js__WEBPACK_IMPORTED_MODULE_3__ = __nccwpck_require__(633);
// Redaction: turns raw engine values into PlanValues a reviewer may see. Provider sensitivity marks and
// attribute names that look secret both hide a value behind the sensitive marker; unknown marks become the
// unknown marker. Strings are searched too: JSON inside a string (`jsonencode`), YAML (`yamlencode`) and
// heredoc text (`password: …`, `export DB_PASSWORD=…`), the name/value pair shape of container definitions
// (`{ name = "DB_PASSWORD", value = "…" }`) and the password of a URL (`scheme://user:PASSWORD@host`). The raw
// secrets are collected so the caller can mask them in logs. Engine diagnostics pass through `redactText`.




const SENSITIVE = new _model_js__WEBPACK_IMPORTED_MODULE_2__/* .SensitiveMarker */ .$B();
const SENSITIVE_CHANGED = new _model_js__WEBPACK_IMPORTED_MODULE_2__/* .SensitiveMarker */ .$B(true);
const UNKNOWN = new _model_js__WEBPACK_IMPORTED_MODULE_2__/* .UnknownMarker */ .t9();
/** What a hidden part of a text reads as. */
const HIDDEN_TEXT = '(sensitive value)';
function newRedactState(known) {
    return { secrets: new Set(), redactedCount: 0, ...(known ? { known } : {}) };
}
const MAX_SECRETS_SEARCHED_INSIDE = 64;
// Shorter marked values ("true", "admin", a port) would hide ordinary text that merely equals them.
const MIN_KNOWN_SECRET_LENGTH = 8;
/** Strings at the positions `mask` marks sensitive (`true`, or nested objects/arrays mirroring the value). */
function collectMarked(value, mask, into) {
    const stack = [[value, mask]];
    while (stack.length > 0) {
        const [item, itemMask] = stack.pop();
        if (itemMask === true) {
            const state = newRedactState();
            collectSecrets(item, state);
            for (const secret of state.secrets)
                if (secret.trim().length >= MIN_KNOWN_SECRET_LENGTH)
                    into.add(secret);
        }
        else if (Array.isArray(item) && Array.isArray(itemMask)) {
            item.forEach((child, index) => stack.push([child, itemMask[index]]));
        }
        else if (isRecord(item) && isRecord(itemMask)) {
            for (const [key, child] of Object.entries(item))
                stack.push([child, itemMask[key]]);
        }
    }
}
/** The known secrets of a plan, from pairs of raw values and their sensitivity masks. */
function knownSecrets(pairs) {
    const exact = new Set();
    for (const [value, mask] of pairs)
        collectMarked(value, mask, exact);
    if (exact.size === 0)
        return undefined;
    // One alternation over thousands of secrets would cost more than the rest of the parse: past this many, only
    // whole values are matched here (the runner still masks every registered secret inside log text).
    if (exact.size > MAX_SECRETS_SEARCHED_INSIDE)
        return { exact };
    const escaped = [...exact]
        .sort((a, b) => b.length - a.length)
        .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return { exact, inside: new RegExp(escaped.join('|'), 'g') };
}
/** The shared notion of a secret-looking name (see src/scan/names.ts). */
const looksSecret = (/* unused pure expression or super */ null && (isSecretName));
// Strings shorter than this are not registered as log secrets: masking "1" or "true" would blank the log.
const MIN_SECRET_LENGTH = 3;
function addSecret(text, state) {
    // Multi-line secrets are masked line by line by the runner, so register each line too.
    for (const candidate of [text, ...text.split(/\r?\n/)]) {
        if (candidate.trim().length >= MIN_SECRET_LENGTH)
            state.secrets.add(candidate);
    }
}
/**
 * Every string and number inside a value (a list's items are its values), iteratively: a value nested thousands
 * deep cannot overflow.
 */
function collectSecrets(value, state) {
    const stack = [value];
    while (stack.length > 0) {
        const item = stack.pop();
        if (typeof item === 'string' || typeof item === 'number')
            addSecret(String(item), state);
        else if (typeof item === 'object' && item !== null)
            stack.push(...Object.values(item));
    }
}
function hide(value, state) {
    // A null stays null: there is nothing to hide, and tofu shows nothing for it either.
    if (value === null || value === undefined)
        return null;
    collectSecrets(value, state);
    state.redactedCount += 1;
    return SENSITIVE;
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/**
 * A secret-looking name hides strings and structures; numbers and booleans (counts, flags) stay visible, and a
 * null stays null (`hide` keeps it).
 */
function hidesByName(value) {
    return typeof value === 'string' || typeof value === 'object';
}
/** JSON of a value, or a marker of its own when it is too deep to serialise. */
function digestOf(value) {
    let text;
    try {
        // Only lists and maps get here: their JSON is always a string.
        text = JSON.stringify(value);
    }
    catch {
        text = `unserialisable:${Math.random()}`;
    }
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(text).digest('hex');
}
/**
 * Redacts one raw value. `sensitiveMask` and `unknownMask` have tofu's shapes (`before_sensitive`,
 * `after_unknown`): `true` for the whole value, or nested objects/arrays mirroring the value.
 */
function redactValue(value, sensitiveMask, unknownMask, state, depth = 0) {
    if (sensitiveMask === true)
        return unknownMask === true ? SENSITIVE : hide(value, state);
    if (unknownMask === true)
        return UNKNOWN;
    const container = Array.isArray(value) || isRecord(value);
    if (container && depth >= _model_js__WEBPACK_IMPORTED_MODULE_2__/* .MAX_VALUE_DEPTH */ .Ht) {
        // Too deep to show: whatever secrets it holds are still masked in the log.
        collectSecrets(value, state);
        return new _model_js__WEBPACK_IMPORTED_MODULE_2__/* .DeepValueMarker */ .sC(digestOf(value));
    }
    if (Array.isArray(value) || (value === undefined && Array.isArray(unknownMask))) {
        return redactArray(value ?? [], sensitiveMask, unknownMask, state, depth);
    }
    if (isRecord(value) || (value === undefined && isRecord(unknownMask))) {
        return redactObject(value ?? {}, sensitiveMask, unknownMask, state, depth);
    }
    if (typeof value === 'string')
        return redactString(value, state, depth);
    if (typeof value === 'number' || typeof value === 'boolean')
        return value;
    return null;
}
function redactArray(value, sensitive, unknown, state, depth) {
    const unknownItems = Array.isArray(unknown) ? unknown : [];
    const length = Math.max(value.length, unknownItems.length);
    return Array.from({ length }, (_, index) => redactValue(value[index], Array.isArray(sensitive) ? sensitive[index] : undefined, unknownItems[index], state, depth + 1));
}
// Keys that carry the name, and the value, in the name/value pair shape (ECS container definitions, Kubernetes
// env entries, Helm `set` blocks).
const PAIR_NAME_KEYS = ['name', 'Name', 'key', 'Key'];
const PAIR_VALUE_KEYS = ['value', 'Value'];
/** `{ name = "DB_PASSWORD", value = "…" }`: the value key hides what the name says is secret. */
function namesSecretPair(value) {
    return PAIR_NAME_KEYS.some((key) => typeof value[key] === 'string' && (0,_scan_names_js__WEBPACK_IMPORTED_MODULE_3__/* .isSecretName */ .eh)(value[key]));
}
function redactObject(value, sensitive, unknown, state, depth) {
    const sensitiveFields = isRecord(sensitive) ? sensitive : {};
    const unknownFields = isRecord(unknown) ? unknown : {};
    const secretPair = namesSecretPair(value);
    // Unknown attributes are absent from `after`; they exist only in the unknown mask.
    const keys = new Set([...Object.keys(value), ...Object.keys(unknownFields)]);
    const result = {};
    for (const key of keys) {
        const field = value[key];
        const secretName = (0,_scan_names_js__WEBPACK_IMPORTED_MODULE_3__/* .isSecretName */ .eh)(key) || (secretPair && PAIR_VALUE_KEYS.includes(key));
        if (secretName && hidesByName(field) && unknownFields[key] !== true) {
            result[key] = hide(field, state);
        }
        else {
            result[key] = redactValue(field, sensitiveFields[key], unknownFields[key], state, depth);
        }
    }
    return result;
}
// ---- strings ---------------------------------------------------------------------------------------------
/** A string as shown: JSON decoded and redacted when something in it must be hidden or cut, text redacted. */
function redactString(value, state, depth) {
    if (state.known?.exact.has(value))
        return hide(value, state);
    const trimmed = value.trim();
    // Only a map or a list is decoded (JSON of either ends as it starts, or does not parse).
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        const json = redactJsonString(trimmed, state, depth);
        if (json !== undefined)
            return json === trimmed ? value : json;
    }
    if (value.includes('\n')) {
        const yaml = redactYamlString(value, state);
        if (yaml !== undefined)
            return yaml;
    }
    return redactKnown(redactPatterns(value, state), state);
}
/** Known secrets inside a longer text. */
function redactKnown(text, state) {
    const inside = state.known?.inside;
    if (!inside)
        return text;
    inside.lastIndex = 0;
    if (!inside.test(text))
        return text;
    state.redactedCount += 1;
    return text.replace(inside, HIDDEN_TEXT);
}
/** The decoded JSON when it needs hiding or cutting, the text itself when not, undefined when not JSON. */
function redactJsonString(trimmed, state, depth) {
    let parsed;
    try {
        parsed = JSON.parse(trimmed);
    }
    catch {
        return undefined;
    }
    const before = state.redactedCount;
    const redacted = redactValue(parsed, undefined, undefined, state, depth + 1);
    // Decoded only when needed: a renderer decodes a plain JSON string itself, and plain objects never act as
    // markers, so nothing a user writes in the JSON can hide anything.
    return state.redactedCount === before && !containsMarker(redacted) ? trimmed : new _model_js__WEBPACK_IMPORTED_MODULE_2__/* .EncodedJson */ .n8(redacted);
}
function containsMarker(value) {
    const stack = [value];
    while (stack.length > 0) {
        const item = stack.pop();
        if ((0,_model_js__WEBPACK_IMPORTED_MODULE_2__/* .isMarker */ .rg)(item))
            return true;
        // A list's items are its values.
        if (typeof item === 'object' && item !== null)
            stack.push(...Object.values(item));
    }
    return false;
}
/**
 * A multi-line string holding a YAML mapping or list (`yamlencode`, a cloud-init file): when it holds a secret
 * it is shown re-encoded with the secrets replaced; undefined when it is not YAML or holds none.
 */
function redactYamlString(value, state) {
    let parsed;
    try {
        // Aliases are refused outright: a string in a plan has no business expanding into a bomb.
        parsed = (0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .parse */ .qg)(value, { maxAliasCount: 0, strict: true });
    } /* Stryker disable next-line BlockStatement: equivalent; emptied, nothing is parsed, which falls out as not a map below */
    catch {
        return undefined;
    }
    // A scalar is text, redacted as such; a null (a text of comments) hides nothing and falls out below.
    if (typeof parsed !== 'object')
        return undefined;
    const before = state.redactedCount;
    const redacted = redactValue(parsed, undefined, undefined, state, 1);
    if (state.redactedCount === before)
        return undefined;
    // yaml writes each marker as its toJSON text, as JSON.stringify does.
    const text = (0,yaml__WEBPACK_IMPORTED_MODULE_1__/* .stringify */ .As)(redacted, { lineWidth: 0 });
    return value.endsWith('\n') ? text : text.replace(/\n$/, '');
}
// `scheme://user:PASSWORD@host`: the password part, whatever comes before the `://`.
const URL_PASSWORD = /(?<head>:\/\/[^\s:/@"'<>]*:)(?<password>[^\s@/"'<>]+)(?=@)/g;
// `name = value`, `name: value`, `"name": "value"`, `NAME=value`, `--password=value`, `?token=value` on a line
// of text (heredocs, scripts, engine messages).
const TEXT_ASSIGNMENT = /(?<![\w.$])(?<q>["']?)(?<name>[A-Za-z_][\w.-]*)\k<q>[ \t]*(?<op>=(?![=>~])|:(?=[ \t]))[ \t]*(?<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\{[^}\n]*\}|\[[^\]\n]*\]|[^\s"',;&)}\]]+)/g;
// The signs TEXT_ASSIGNMENT needs; a text with neither holds no assignment.
// Stryker disable next-line StringLiteral: equivalent; an empty sign is in every text, so the pattern only runs for nothing
const ASSIGNMENT_SIGNS = ['=', ':'];
/**
 * Text with every secret replaced by `(sensitive value)`: the given known values (what Stackgate handed the
 * engine under a secret-looking name), URL passwords, and values assigned to secret-looking names.
 */
function redactText(text, known, state = newRedactState()) {
    return redactPatterns(known ? hideKnown(text, known, state) : text, state);
}
/** The given values, longest first, so a value holding a shorter one is hidden whole. */
function hideKnown(text, known, state) {
    let result = text;
    for (const secret of [...known].sort((a, b) => b.length - a.length)) {
        if (secret.trim().length < MIN_SECRET_LENGTH || !result.includes(secret))
            continue;
        result = result.split(secret).join(HIDDEN_TEXT);
        state.redactedCount += 1;
    }
    return result;
}
/** URL passwords and values assigned to secret-looking names. */
function redactPatterns(text, state) {
    const result = text.replace(URL_PASSWORD, (_match, head, password) => {
        // A shell variable names the password without holding it. (The placeholder never matches: it has a space.)
        if (password.startsWith('$'))
            return `${head}${password}`;
        addSecret(password, state);
        state.redactedCount += 1;
        return `${head}${HIDDEN_TEXT}`;
    });
    // A fast path: most plan strings hold neither sign, and the assignment pattern is slow to fail on them.
    return ASSIGNMENT_SIGNS.some((sign) => result.includes(sign))
        ? result.replace(TEXT_ASSIGNMENT, (match, ...args) => hideAssignment(match, args, state))
        : result;
}
/** One match of TEXT_ASSIGNMENT: its value hidden when the name looks secret. */
function hideAssignment(match, args, state) {
    const groups = args[args.length - 1];
    if (!(0,_scan_names_js__WEBPACK_IMPORTED_MODULE_3__/* .isSecretName */ .eh)(groups.name))
        return match;
    const value = groups.value;
    const first = value.charAt(0);
    const quote = first === '"' || first === "'" ? first : '';
    const inner = quote ? value.slice(1, -1) : value;
    // Already hidden: `(sensitive value)`, or its first word when unquoted (the value stops at the space).
    if (inner === '' || inner.startsWith('(sensitive'))
        return match;
    addSecret(inner, state);
    state.redactedCount += 1;
    return match.slice(0, match.length - value.length) + `${quote}${HIDDEN_TEXT}${quote}`;
}
/**
 * Engine diagnostics through the same redaction as plan values: the values Stackgate handed the engine under
 * a secret-looking name, URL passwords and values assigned to secret-looking names become `(sensitive value)`.
 */
function redactDiagnostics(diagnostics, known) {
    return diagnostics.map((diagnostic) => ({
        ...diagnostic,
        summary: redactText(diagnostic.summary, known),
        ...(diagnostic.detail !== undefined ? { detail: redactText(diagnostic.detail, known) } : {}),
    }));
}


/***/ }),

/***/ 1946:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Fr: () => (/* binding */ parseTerraformPlan),
/* harmony export */   fH: () => (/* binding */ diagnosticsFromJson),
/* harmony export */   iq: () => (/* binding */ attributePath)
/* harmony export */ });
/* unused harmony exports PlanFormatError, flagChangedSecrets, countChanges */
/* harmony import */ var _model_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(8582);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8526);
/* harmony import */ var _scan_names_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(633);
// Parses `terraform show -json` / `tofu show -json` of a saved plan into the engine-neutral Plan model.



/** The input is not a plan (or not one this parser understands); the message names the source. */
class PlanFormatError extends Error {
    source;
    constructor(source, problem) {
        super(`${source}: not a Terraform/OpenTofu plan: ${problem}`);
        this.source = source;
        this.name = 'PlanFormatError';
    }
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function parseTerraformPlan(json, source = 'plan.json') {
    const root = checkRoot(json, source);
    const state = (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .newRedactState */ .L9)((0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .knownSecrets */ .xU)(markedValues(root)));
    const changes = listOf(root, 'resource_changes', source)
        .map((entry, index) => parseResourceChange(entry, `resource_changes[${index}]`, source, state))
        .filter((change) => change.action !== 'no-op');
    const drift = listOf(root, 'resource_drift', source)
        .map((entry, index) => parseResourceChange(entry, `resource_drift[${index}]`, source, state))
        .filter((change) => change.action !== 'no-op');
    const outputs = parseOutputs(root.output_changes, source, state);
    const diagnostics = root.errored === true ? [erroredDiagnostic()] : [];
    if (lacksSensitivityMarks(root, source))
        diagnostics.push(unmarkedSensitivityDiagnostic(root.format_version));
    return {
        formatVersion: root.format_version,
        engineVersion: typeof root.terraform_version === 'string' ? root.terraform_version : undefined,
        changes,
        drift,
        outputs,
        diagnostics,
        counts: countChanges(changes, drift),
        hasChanges: changes.length > 0 || outputs.length > 0,
        redactedCount: state.redactedCount,
        secrets: [...state.secrets],
    };
}
/** Every raw value of the plan with its sensitivity mask, for the known secrets. */
function* markedValues(root) {
    const entries = [root.resource_changes, root.resource_drift].flatMap((list) => 
    // Stryker disable next-line ArrayDeclaration: a non-list fails parsing anyway, and a string entry is skipped
    Array.isArray(list) ? list : []);
    const changes = entries.map((entry) => (isRecord(entry) ? entry.change : undefined));
    if (isRecord(root.output_changes))
        changes.push(...Object.values(root.output_changes));
    for (const change of changes) {
        if (!isRecord(change))
            continue;
        yield [change.before, change.before_sensitive];
        yield [change.after, change.after_sensitive];
    }
}
// ---- shape checks ----------------------------------------------------------------------------------------
/**
 * 1.x: Terraform 1.0 and later, every OpenTofu. 0.x: Terraform 0.12–0.15, the same shapes in everything the
 * renderer reads; fields added later (`resource_drift`, `replace_paths`, `action_reason`, `previous_address`,
 * `importing`, and before 0.14 `before_sensitive`/`after_sensitive`) are simply absent.
 */
const READABLE_MAJORS = ['0', '1'];
const PLAN_KEYS = ['planned_values', 'resource_changes', 'resource_drift', 'output_changes', 'errored'];
function checkRoot(json, source) {
    if (!isRecord(json))
        throw new PlanFormatError(source, `expected a JSON object, got ${describe(json)}`);
    const version = json.format_version;
    if (typeof version !== 'string')
        throw new PlanFormatError(source, 'no "format_version" field');
    // Stryker disable next-line StringLiteral: split always yields a first part, so the fallback is never used
    if (!READABLE_MAJORS.includes(version.split('.')[0] ?? '')) {
        throw new PlanFormatError(source, `unsupported format_version "${version}" (Stackgate reads 1.x, and 0.x of Terraform 0.12–0.15 best effort)`);
    }
    if (!PLAN_KEYS.some((key) => key in json)) {
        // `show -json` of a state, or `validate -json`, also carry format_version.
        throw new PlanFormatError(source, 'no "planned_values" or "resource_changes" (is it `show -json` of a plan?)');
    }
    return json;
}
function describe(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an array';
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
function listOf(root, key, source) {
    const value = root[key];
    if (value === undefined || value === null)
        return [];
    if (!Array.isArray(value))
        throw new PlanFormatError(source, `"${key}" is ${describe(value)}, not an array`);
    return value.map((entry, index) => {
        if (!isRecord(entry))
            throw new PlanFormatError(source, `${key}[${index}] is ${describe(entry)}`);
        return entry;
    });
}
function requireString(entry, key, where, source) {
    const value = entry[key];
    if (typeof value !== 'string')
        throw new PlanFormatError(source, `${where}.${key} is missing or not a string`);
    return value;
}
/** `where` names the object holding `actions`: `resource_changes[0].change`, `output_changes.name`. */
function requireActions(change, where, source) {
    const actions = change.actions;
    if (!Array.isArray(actions) || !actions.every((action) => typeof action === 'string')) {
        throw new PlanFormatError(source, `${where}.actions is missing or not a list of strings`);
    }
    return actions;
}
// ---- resource changes ------------------------------------------------------------------------------------
function parseResourceChange(entry, where, source, state) {
    const address = requireString(entry, 'address', where, source);
    const change = entry.change;
    if (!isRecord(change))
        throw new PlanFormatError(source, `${where}.change is missing`);
    const actions = requireActions(change, `${where}.change`, source);
    const previousAddress = typeof entry.previous_address === 'string' ? entry.previous_address : undefined;
    const importing = isRecord(change.importing) ? importingOf(change.importing) : undefined;
    const { action, replaceOrder } = actionOf(actions, previousAddress, importing, `${where}.change`, source);
    const values = redactPair(change, state);
    return {
        address,
        ...(previousAddress !== undefined && previousAddress !== address ? { previousAddress } : {}),
        mode: entry.mode === 'data' ? 'data' : 'managed',
        type: typeof entry.type === 'string' ? entry.type : '',
        name: typeof entry.name === 'string' ? entry.name : '',
        moduleAddress: typeof entry.module_address === 'string' ? entry.module_address : '',
        providerName: typeof entry.provider_name === 'string' ? entry.provider_name : '',
        action,
        ...(replaceOrder ? { replaceOrder } : {}),
        ...(typeof entry.action_reason === 'string' ? { actionReason: entry.action_reason } : {}),
        replacePaths: replacePathsOf(change.replace_paths),
        ...(importing ? { importing } : {}),
        moved: previousAddress !== undefined && previousAddress !== address,
        ...values,
    };
}
function importingOf(importing) {
    return typeof importing.id === 'string' ? { id: importing.id } : {};
}
function actionOf(actions, previousAddress, importing, where, source) {
    const key = actions.join(',');
    switch (key) {
        case 'create':
        case 'update':
        case 'delete':
        case 'read':
        case 'forget':
            return { action: key };
        case 'delete,create':
            return { action: 'replace', replaceOrder: 'delete-first' };
        case 'create,delete':
            return { action: 'replace', replaceOrder: 'create-first' };
        case 'no-op':
        case '':
            // A no-op that imports or moves is still something a reviewer must see.
            if (importing)
                return { action: 'import' };
            if (previousAddress !== undefined)
                return { action: 'move' };
            return { action: 'no-op' };
        default:
            throw new PlanFormatError(source, `${where}.actions has an unknown combination [${key}]`);
    }
}
/** Redacts before and after; marks a hidden `after` as changed when the raw values differ. */
function redactPair(change, state) {
    const result = {};
    if (change.before !== null && change.before !== undefined) {
        result.before = (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactValue */ .FI)(change.before, change.before_sensitive, undefined, state);
    }
    if ((change.after !== null && change.after !== undefined) || change.after_unknown === true) {
        const after = (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redactValue */ .FI)(change.after, change.after_sensitive, change.after_unknown, state);
        result.after = flagChangedSecrets(after, change.before, change.after);
    }
    return result;
}
/**
 * Two sensitive markers look equal to a renderer; compare the raw values so a changed secret still shows as a
 * change (without revealing anything).
 */
function flagChangedSecrets(after, rawBefore, rawAfter) {
    if ((0,_model_js__WEBPACK_IMPORTED_MODULE_0__/* .isSensitive */ .tV)(after))
        return sameJson(rawBefore, rawAfter) ? after : _redact_js__WEBPACK_IMPORTED_MODULE_1__/* .SENSITIVE_CHANGED */ .aQ;
    if (after instanceof _model_js__WEBPACK_IMPORTED_MODULE_0__/* .EncodedJson */ .n8) {
        return new _model_js__WEBPACK_IMPORTED_MODULE_0__/* .EncodedJson */ .n8(flagChangedSecrets(after.decoded, parsedJson(rawBefore), parsedJson(rawAfter)));
    }
    if (Array.isArray(after)) {
        // Stryker disable next-line ArrayDeclaration: any other non-list before compares unequal to the secret too
        const before = Array.isArray(rawBefore) ? rawBefore : [];
        // Stryker disable next-line ArrayDeclaration: any other non-list after compares unequal to the secret too
        const raw = Array.isArray(rawAfter) ? rawAfter : [];
        return after.map((item, index) => flagChangedSecrets(item, before[index], raw[index]));
    }
    if (isRecord(after) && !(0,_model_js__WEBPACK_IMPORTED_MODULE_0__/* .isMarker */ .rg)(after)) {
        const before = isRecord(rawBefore) ? rawBefore : {};
        const raw = isRecord(rawAfter) ? rawAfter : {};
        const result = {};
        for (const [key, value] of Object.entries(after)) {
            result[key] = flagChangedSecrets(value, before[key], raw[key]);
        }
        return result;
    }
    return after;
}
function parsedJson(raw) {
    // Stryker disable next-line ConditionalExpression: JSON.parse of a non-string before only differs for a list holding one JSON string, and a list that became a string renders as removed and added whole anyway
    if (typeof raw !== 'string')
        return undefined;
    try {
        return JSON.parse(raw);
    }
    catch {
        // Not JSON: nothing to compare with.
    }
    return undefined;
}
function sameJson(a, b) {
    try {
        return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    }
    catch {
        // Too deep to compare: say it changed rather than hide a change.
    }
    return false;
}
function replacePathsOf(paths) {
    if (!Array.isArray(paths))
        return [];
    return paths.filter(Array.isArray).map((steps) => attributePath(steps));
}
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** `['network_interface', 0, 'id']` → `network_interface[0].id`; odd keys are quoted: `tags["a b"]`. */
function attributePath(steps) {
    let path = '';
    for (const step of steps) {
        if (typeof step === 'number')
            path += `[${step}]`;
        else if (typeof step === 'string' && IDENTIFIER.test(step))
            path += path === '' ? step : `.${step}`;
        else
            path += `[${JSON.stringify(String(step))}]`;
    }
    return path;
}
// ---- outputs ---------------------------------------------------------------------------------------------
function parseOutputs(outputs, source, state) {
    if (outputs === undefined || outputs === null)
        return [];
    if (!isRecord(outputs))
        throw new PlanFormatError(source, `"output_changes" is ${describe(outputs)}`);
    const result = [];
    for (const [name, change] of Object.entries(outputs)) {
        if (!isRecord(change))
            throw new PlanFormatError(source, `output_changes.${name} is ${describe(change)}`);
        const actions = requireActions(change, `output_changes.${name}`, source);
        const { action } = actionOf(actions, undefined, undefined, `output_changes.${name}`, source);
        if (action === 'no-op')
            continue;
        result.push(parseOutput(name, action, change, state));
    }
    return result;
}
function parseOutput(name, action, change, state) {
    const sensitive = change.before_sensitive === true || change.after_sensitive === true;
    // An output named like a secret is hidden whole, as an attribute would be.
    const byName = (0,_scan_names_js__WEBPACK_IMPORTED_MODULE_2__/* .isSecretName */ .eh)(name) && !sensitive;
    const masked = byName ? { ...change, before_sensitive: true, after_sensitive: true } : change;
    return { name, action, sensitive: sensitive || byName, ...redactPair(masked, state) };
}
// ---- counts ----------------------------------------------------------------------------------------------
/** Counts as tofu's `Plan:` line: a replacement is one add and one destroy. */
function countChanges(changes, drift) {
    const counts = (0,_model_js__WEBPACK_IMPORTED_MODULE_0__/* .emptyCounts */ .W1)();
    for (const change of changes) {
        if (change.importing)
            counts.import += 1;
        if (change.moved)
            counts.move += 1;
        switch (change.action) {
            case 'create':
                counts.add += 1;
                break;
            case 'update':
                counts.change += 1;
                break;
            case 'delete':
                counts.destroy += 1;
                break;
            case 'replace':
                counts.replace += 1;
                counts.add += 1;
                counts.destroy += 1;
                break;
            case 'read':
                counts.read += 1;
                break;
            case 'forget':
                counts.forget += 1;
                break;
            // no-op, move and import add nothing here: imports and moves are counted above.
        }
    }
    counts.drift = drift.length;
    return counts;
}
/** Before Terraform 0.14 a plan did not say which values a provider marks sensitive. */
function lacksSensitivityMarks(root, source) {
    if (!root.format_version.startsWith('0.'))
        return false;
    // parseResourceChange has checked every entry: a record whose `change` is a record.
    return listOf(root, 'resource_changes', source).some((entry) => {
        const change = entry.change;
        return !('after_sensitive' in change) && !('before_sensitive' in change);
    });
}
function unmarkedSensitivityDiagnostic(version) {
    return {
        severity: 'warning',
        summary: `Plan JSON format ${version} (Terraform before 0.14) does not mark sensitive values`,
        detail: 'Only values under secret-looking names are hidden. Upgrade the engine to Terraform 0.14 or later, or to OpenTofu, for provider-marked sensitive values.',
    };
}
function erroredDiagnostic() {
    return {
        severity: 'error',
        summary: 'The plan is incomplete: the engine reported errors while planning',
    };
}
// ---- diagnostics -----------------------------------------------------------------------------------------
/**
 * Diagnostics from tofu/terraform JSON: the `diagnostics` array of `validate -json` (or the whole document),
 * a single diagnostic object, or `-json` log lines whose `diagnostic` field holds one. Relative file names are
 * joined to `rootDir` (the stack's folder relative to the repository root).
 */
function diagnosticsFromJson(diags, rootDir) {
    return diagnosticEntries(diags)
        .map((entry) => toDiagnostic(entry, rootDir))
        .filter((diagnostic) => diagnostic !== undefined);
}
function diagnosticEntries(diags) {
    if (Array.isArray(diags))
        return diags.flatMap(diagnosticEntries);
    // Stryker disable next-line ArrayDeclaration: anything else has no summary, which toDiagnostic drops too
    if (!isRecord(diags))
        return [];
    if (Array.isArray(diags.diagnostics))
        return diagnosticEntries(diags.diagnostics);
    if (isRecord(diags.diagnostic))
        return [diags.diagnostic];
    return [diags]; // toDiagnostic keeps only those with a summary
}
function toDiagnostic(entry, rootDir) {
    if (typeof entry.summary !== 'string')
        return undefined;
    const diagnostic = {
        severity: entry.severity === 'warning' ? 'warning' : 'error',
        summary: entry.summary,
    };
    if (typeof entry.detail === 'string' && entry.detail !== '')
        diagnostic.detail = entry.detail;
    const range = isRecord(entry.range) ? entry.range : undefined;
    if (range && typeof range.filename === 'string') {
        diagnostic.file = joinPath(rootDir, range.filename);
        const start = isRecord(range.start) ? range.start : {};
        const end = isRecord(range.end) ? range.end : {};
        if (typeof start.line === 'number')
            diagnostic.line = start.line;
        if (typeof start.column === 'number')
            diagnostic.column = start.column;
        if (typeof end.line === 'number')
            diagnostic.endLine = end.line;
        if (typeof end.column === 'number')
            diagnostic.endColumn = end.column;
    }
    return diagnostic;
}
/** Joins without touching the file system, dropping `.` and empty steps and resolving `..` where it can. */
function joinPath(rootDir, file) {
    const normalized = file.replace(/\\/g, '/');
    if (normalized.startsWith('/'))
        return normalized;
    const parts = `${(rootDir ?? '').replace(/\\/g, '/')}/${normalized}`.split('/');
    const out = [];
    for (const part of parts) {
        if (part === '' || part === '.')
            continue;
        if (part === '..' && out.length > 0 && out[out.length - 1] !== '..')
            out.pop();
        else
            out.push(part);
    }
    return out.join('/');
}


/***/ }),

/***/ 9876:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  $p: () => (/* binding */ planToJson),
  Gb: () => (/* binding */ renderStackSection),
  Br: () => (/* binding */ renderSummary)
});

// UNUSED EXPORTS: COMMENT_MAX_LENGTH, SUMMARY_MAX_BYTES, commentMarker, countsLine, engineTitle, fairShares, hiddenJson, parseCommentMeta, plural, renderComment, renderLogReport, renderSectionAhead, tasksLine

;// CONCATENATED MODULE: external "node:buffer"
const external_node_buffer_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
// EXTERNAL MODULE: ./src/plan/model.ts
var model = __nccwpck_require__(8582);
// EXTERNAL MODULE: ./src/plan/terraform-json.ts
var terraform_json = __nccwpck_require__(1946);
// EXTERNAL MODULE: ./src/plan/redact.ts
var redact = __nccwpck_require__(8526);
;// CONCATENATED MODULE: ./src/report/diff.ts
// Attribute-level diffs that read like tofu's human plan: changed attributes only (unchanged ones counted),
// nested objects, lists and maps, `(known after apply)`, `(sensitive value)`, JSON strings as `jsonencode(…)`
// and multi-line strings as `<<-EOT` line diffs. Output lines start with a diff marker so a ```diff block
// colours them on GitHub: `+` add, `-` remove, `!` change in place, space for context.




/** GitHub's diff highlighting colours `!` lines as changed; tofu's `~` would stay plain. */
const MARKER_CHARS = { '+': '+', '-': '-', '~': '!', ' ': ' ' };
function formatLines(lines) {
    return lines
        .map((line) => `${MARKER_CHARS[line.marker]} ${'    '.repeat(line.depth)}${line.text}`)
        .join('\n');
}
// Attributes tofu keeps visible even when unchanged, so a reviewer can tell which object this is.
const IDENTIFYING_ATTRIBUTES = new Set(['id', 'name', 'tags']);
// Lists longer than this show only the unchanged elements near a change.
const LIST_CONTEXT = 2;
// Beyond this many element pairs, a list diff falls back to "all removed, all added" to bound the cost.
const MAX_LCS_CELLS = 250_000;
// ---- value classification --------------------------------------------------------------------------------
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !(0,model/* isMarker */.rg)(value);
}
/** Null and absent are the same to a reviewer: tofu shows neither. */
function isAbsent(value) {
    return value === null || value === undefined;
}
function deepEqual(a, b) {
    if (a === b)
        return true;
    if (isAbsent(a) || isAbsent(b))
        return isAbsent(a) && isAbsent(b);
    // One hidden side and one that is not: unequal (the marker check below).
    if ((0,model/* isSensitive */.tV)(a) && (0,model/* isSensitive */.tV)(b))
        return !b.changed;
    if (a instanceof model/* EncodedJson */.n8 || b instanceof model/* EncodedJson */.n8) {
        const decodedA = decodeJson(a);
        const decodedB = decodeJson(b);
        // Stryker disable next-line ConditionalExpression,LogicalOperator: an encoded side always decodes, and a decoded container never equals the undefined of a string that is not JSON
        return decodedA !== undefined && decodedB !== undefined && deepEqual(decodedA, decodedB);
    }
    // Stryker disable next-line LogicalOperator: only a placeholder has a digest, so a digest match already means both are placeholders
    if (a instanceof model/* DeepValueMarker */.sC && b instanceof model/* DeepValueMarker */.sC)
        return a.digest === b.digest;
    if ((0,model/* isMarker */.rg)(a) || (0,model/* isMarker */.rg)(b))
        return false;
    if (Array.isArray(a) || Array.isArray(b)) {
        return (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i])));
    }
    if (typeof a !== 'object' || typeof b !== 'object')
        return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => deepEqual(a[key], b[key]));
}
/**
 * Strings holding a JSON object or array are shown decoded, like tofu's `jsonencode(…)`. What the parser decoded
 * (because it hid something inside) comes decoded; a plain string is parsed here into plain values, which can
 * never act as markers, and cut at the model's depth so a value nested thousands deep cannot overflow.
 */
function decodeJson(value) {
    if (value instanceof model/* EncodedJson */.n8)
        return value.decoded;
    if (typeof value !== 'string')
        return undefined;
    const trimmed = value.trim();
    // Only an object or a list is decoded: JSON of either ends as it starts (and other text is not JSON.parse'd).
    if (!['{}', '[]'].includes(trimmed.slice(0, 1) + trimmed.slice(-1)))
        return undefined;
    try {
        return clipDepth(JSON.parse(trimmed), 0);
    }
    catch {
        // Not JSON after all: shown as the string it is.
    }
    return undefined;
}
function digestOf(value) {
    try {
        // Stryker disable next-line MethodExpression: a longer digest tells values apart just the same
        return (0,external_node_crypto_.createHash)('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
    }
    catch {
        return `unserialisable:${Math.random()}`; // too deep even to serialise: never equal to anything
    }
}
/** Containers below the model's depth become a placeholder (recursion stops there). */
function clipDepth(value, depth) {
    if (typeof value !== 'object' || value === null)
        return value;
    if (depth >= model/* MAX_VALUE_DEPTH */.Ht)
        return new model/* DeepValueMarker */.sC(digestOf(value));
    if (Array.isArray(value))
        return value.map((item) => clipDepth(item, depth + 1));
    const result = {};
    for (const [key, item] of Object.entries(value))
        result[key] = clipDepth(item, depth + 1);
    return result;
}
function isMultiline(value) {
    return typeof value === 'string' && value.includes('\n');
}
function heredocLines(value) {
    const lines = value.split(/\r?\n/);
    if (lines[lines.length - 1] === '')
        lines.pop();
    return lines;
}
// ---- literals --------------------------------------------------------------------------------------------
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
function formatKey(key) {
    return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}
function scalar(value) {
    // A changed secret reads like an unchanged one; other markers read as their own text (`(known after apply)`,
    // the depth note, an encoded JSON string's JSON).
    if ((0,model/* isSensitive */.tV)(value))
        return '(sensitive value)';
    if ((0,model/* isMarker */.rg)(value))
        return value.toJSON();
    return JSON.stringify(value ?? null); // null, strings quoted and escaped, numbers, booleans
}
/** `key = ` with the key padded so `=` lines up within an object, as tofu does; list items have no key. */
function prefix(key, width) {
    return key === undefined ? '' : `${formatKey(key).padEnd(width)} = `;
}
function keyWidth(keys) {
    return Math.max(0, ...keys.map((key) => formatKey(key).length));
}
function hiddenNote(count, noun) {
    return `# (${count} unchanged ${noun}${count === 1 ? '' : 's'} hidden)`;
}
// ---- whole values (created, destroyed, or shown as context) ----------------------------------------------
/** Renders a whole value with one marker on every line; `suffix` goes on the last line (`,` in lists). */
function renderWhole(marker, key, width, value, depth, steps, ctx, suffix = '') {
    const head = prefix(key, width);
    const note = forcesReplacement(steps, ctx);
    const json = decodeJson(value);
    // decodeJson gives an object, a list or a marker (a cut JSON string), never a scalar.
    if (json !== undefined) {
        return [
            { marker, depth, text: `${head}jsonencode(${note}` },
            // Stryker disable next-line ArrayDeclaration: no replace path points inside a JSON string
            ...renderWhole(marker, undefined, 0, json, depth + 1, [], ctx),
            { marker, depth, text: `)${suffix}` },
        ];
    }
    if (isMultiline(value)) {
        return [
            { marker, depth, text: `${head}<<-EOT${note}` },
            ...heredocLines(value).map((text) => ({ marker, depth: depth + 1, text })),
            { marker, depth, text: `EOT${suffix}` },
        ];
    }
    if (Array.isArray(value)) {
        if (value.length === 0)
            return [{ marker, depth, text: `${head}[]${suffix}${note}` }];
        return [
            { marker, depth, text: `${head}[${note}` },
            ...value.flatMap((item, index) => renderWhole(marker, undefined, 0, item, depth + 1, [...steps, index], ctx, ',')),
            { marker, depth, text: `]${suffix}` },
        ];
    }
    if (isObject(value)) {
        // Null attributes are left out, as tofu does for created and destroyed objects.
        const keys = Object.keys(value)
            .filter((k) => !isAbsent(value[k]))
            .sort();
        if (keys.length === 0)
            return [{ marker, depth, text: `${head}{}${suffix}${note}` }];
        const inner = keyWidth(keys);
        return [
            { marker, depth, text: `${head}{${note}` },
            ...keys.flatMap((k) => renderWhole(marker, k, inner, value[k] ?? null, depth + 1, [...steps, k], ctx)),
            { marker, depth, text: `}${suffix}` },
        ];
    }
    return [{ marker, depth, text: `${head}${scalar(value)}${suffix}${note}` }];
}
function forcesReplacement(steps, ctx) {
    // Most resources have no replace paths: skip building a path string for every attribute then.
    // Stryker disable next-line ConditionalExpression: with no replace paths the look-up below finds nothing either; the shortcut only saves time
    if (ctx.replacePaths.size === 0 || steps.length === 0)
        return '';
    return ctx.replacePaths.has((0,terraform_json/* attributePath */.iq)(steps)) ? ' # forces replacement' : '';
}
// ---- diffs -----------------------------------------------------------------------------------------------
/** The lines for one attribute or element whose value may have changed; `[]` when unchanged. */
function diffValue(key, width, before, after, depth, steps, ctx, suffix = '') {
    if (deepEqual(before, after))
        return [];
    if (isAbsent(before))
        return renderWhole('+', key, width, after ?? null, depth, steps, ctx, suffix);
    if (isAbsent(after))
        return renderWhole('-', key, width, before, depth, steps, ctx, suffix);
    const head = prefix(key, width);
    const note = forcesReplacement(steps, ctx);
    if (isObject(before) && isObject(after)) {
        return wrap(`${head}{${note}`, diffObject(before, after, depth + 1, steps, ctx), `}${suffix}`, depth);
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        return wrap(`${head}[${note}`, diffList(before, after, depth + 1, steps, ctx), `]${suffix}`, depth);
    }
    const jsonBefore = decodeJson(before);
    const jsonAfter = decodeJson(after);
    if (isContainer(jsonBefore) && isContainer(jsonAfter)) {
        // Stryker disable next-line ArrayDeclaration: no replace path points inside a JSON string
        const inner = diffValue(undefined, 0, jsonBefore, jsonAfter, depth + 1, [], ctx);
        // Same JSON, different whitespace: say so rather than show an empty diff.
        const body = inner.length > 0
            ? inner
            : [{ marker: ' ', depth: depth + 1, text: '# (whitespace changes only)' }];
        return wrap(`${head}jsonencode(${note}`, body, `)${suffix}`, depth);
    }
    if ((isMultiline(before) || isMultiline(after)) &&
        typeof before === 'string' &&
        typeof after === 'string') {
        const body = diffSequence(heredocLines(before), heredocLines(after)).map(([marker, text]) => ({
            marker,
            depth: depth + 1,
            text,
        }));
        return wrap(`${head}<<-EOT${note}`, body, `EOT${suffix}`, depth);
    }
    if (isScalarLike(before) && isScalarLike(after)) {
        const text = (0,model/* isSensitive */.tV)(after) ? scalar(after) : `${scalar(before)} -> ${scalar(after)}`;
        return [{ marker: '~', depth, text: `${head}${text}${suffix}${note}` }];
    }
    // Different kinds (a string became an object…): show the old value removed and the new one added.
    return [
        ...renderWhole('-', key, width, before, depth, steps, ctx, suffix),
        ...renderWhole('+', key, width, after, depth, steps, ctx, suffix),
    ];
}
function isContainer(value) {
    return Array.isArray(value) || isObject(value);
}
function isScalarLike(value) {
    return !Array.isArray(value) && !isObject(value);
}
function wrap(open, body, close, depth) {
    return [{ marker: '~', depth, text: open }, ...body, { marker: ' ', depth, text: close }];
}
/** Changed attributes of an object, unchanged ones counted (identifying ones shown, as tofu does). */
function diffObject(before, after, depth, steps, ctx) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const changed = keys.filter((key) => !deepEqual(before[key], after[key]));
    const shown = keys.filter((key) => changed.includes(key) || (depth === 1 && IDENTIFYING_ATTRIBUTES.has(key) && !isAbsent(after[key])));
    const hidden = keys.filter((key) => !shown.includes(key) && !isAbsent(before[key]) && !isAbsent(after[key]));
    const width = keyWidth(shown);
    const lines = shown.flatMap((key) => {
        if (!changed.includes(key)) {
            return renderWhole(' ', key, width, after[key] ?? null, depth, [...steps, key], ctx);
        }
        return diffValue(key, width, before[key], after[key], depth, [...steps, key], ctx);
    });
    if (hidden.length > 0)
        lines.push({ marker: ' ', depth, text: hiddenNote(hidden.length, 'attribute') });
    return lines;
}
/** A list diff: longest common subsequence, objects changed in place when they pair up one to one. */
function diffList(before, after, depth, steps, ctx) {
    const ops = pairChanges(diffSequence(before, after, deepEqual));
    const near = nearChanges(ops);
    const lines = [];
    let hidden = 0;
    let afterIndex = 0;
    ops.forEach((op, position) => {
        const itemSteps = [...steps, afterIndex];
        if (op.kind === 'same') {
            // Unchanged primitives near a change give context; unchanged objects are only counted, as in tofu.
            if (near[position] && !isObject(op.value)) {
                lines.push(...renderWhole(' ', undefined, 0, op.value, depth, itemSteps, ctx, ','));
            }
            else {
                hidden += 1;
            }
            afterIndex += 1;
        }
        else if (op.kind === 'change') {
            lines.push(...diffValue(undefined, 0, op.before, op.after, depth, itemSteps, ctx, ','));
            afterIndex += 1;
        }
        else {
            lines.push(...renderWhole(op.kind === 'remove' ? '-' : '+', undefined, 0, op.value, depth, itemSteps, ctx, ','));
            if (op.kind === 'add')
                afterIndex += 1;
        }
    });
    if (hidden > 0)
        lines.push({ marker: ' ', depth, text: hiddenNote(hidden, 'element') });
    return lines;
}
/** Turns equal-length runs of removed-then-added objects into in-place changes. */
function pairChanges(sequence) {
    const ops = [];
    let index = 0;
    while (index < sequence.length) {
        const removed = [];
        while (sequence[index]?.[0] === '-')
            removed.push(sequence[index++][1]);
        const added = [];
        while (sequence[index]?.[0] === '+')
            added.push(sequence[index++][1]);
        if (removed.length === added.length && [...removed, ...added].every(isObject)) {
            removed.forEach((value, i) => ops.push({ kind: 'change', before: value, after: added[i] ?? null }));
        }
        else {
            for (const value of removed)
                ops.push({ kind: 'remove', value });
            for (const value of added)
                ops.push({ kind: 'add', value });
        }
        if (removed.length === 0 && added.length === 0) {
            ops.push({ kind: 'same', value: sequence[index][1] });
            index += 1;
        }
    }
    return ops;
}
function nearChanges(ops) {
    if (ops.length <= LIST_CONTEXT * 2 + 3)
        return ops.map(() => true);
    return ops.map((_, position) => {
        for (let d = -LIST_CONTEXT; d <= LIST_CONTEXT; d++) {
            // Stryker disable next-line ArithmeticOperator: the window is symmetric, so position - d visits the same ops
            const op = ops[position + d];
            if (op && op.kind !== 'same')
                return true;
        }
        return false;
    });
}
/** LCS diff of two sequences as marker/value pairs; common prefix and suffix are cheap. */
function diffSequence(before, after, equal = (a, b) => a === b) {
    let start = 0;
    while (start < before.length && start < after.length && equal(before[start], after[start]))
        start++;
    let endB = before.length;
    let endA = after.length;
    while (endB > start && endA > start && equal(before[endB - 1], after[endA - 1])) {
        endB--;
        endA--;
    }
    const head = before.slice(0, start).map((value) => [' ', value]);
    const tail = before.slice(endB).map((value) => [' ', value]);
    return [...head, ...lcsMiddle(before.slice(start, endB), after.slice(start, endA), equal), ...tail];
}
function lcsMiddle(before, after, equal) {
    const n = before.length;
    const m = after.length;
    if (n * m > MAX_LCS_CELLS) {
        return [...before.map((v) => ['-', v]), ...after.map((v) => ['+', v])];
    }
    // lengths[i][j]: LCS length of before[i..] and after[j..].
    const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
        // Stryker disable next-line ArithmeticOperator: from m + 1, the cells past the row's end are not stored and cell m is 0 (NaN) as before
        for (let j = m - 1; j >= 0; j--) {
            lengths[i][j] = equal(before[i], after[j])
                ? lengths[i + 1][j + 1] + 1
                : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
        }
    }
    const out = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
        if (equal(before[i], after[j])) {
            out.push([' ', before[i++]]);
            j++;
        }
        else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
            out.push(['-', before[i++]]);
        }
        else {
            out.push(['+', after[j++]]);
        }
    }
    while (i < n)
        out.push(['-', before[i++]]);
    while (j < m)
        out.push(['+', after[j++]]);
    return out;
}
// ---- resources and outputs -------------------------------------------------------------------------------
const HEADINGS = {
    create: 'will be created',
    update: 'will be updated in-place',
    delete: 'will be destroyed',
    replace: 'must be replaced',
    read: 'will be read during apply',
    'no-op': 'has no changes',
    move: 'has moved',
    import: 'will be imported',
    forget: 'will be removed from the state, but will not be destroyed',
};
const HEADER_MARKERS = {
    create: '+',
    update: '~',
    delete: '-',
    replace: '~',
    read: '~',
    'no-op': ' ',
    move: ' ',
    import: ' ',
    forget: '-',
};
const REASONS = {
    replace_because_tainted: 'tainted, so must be replaced',
    replace_by_request: 'will be replaced, as requested',
    replace_by_triggers: 'will be replaced due to changes in replace_triggered_by',
    delete_because_no_resource_config: (c) => `because ${c.address} is not in configuration`,
    delete_because_no_module: (c) => `because ${c.moduleAddress || 'its module'} is not in configuration`,
    delete_because_wrong_repetition: () => 'because the repetition mode (count/for_each) changed',
    delete_because_count_index: () => 'because the index is out of range for count',
    delete_because_each_key: () => 'because the key is not in for_each',
    delete_because_no_move_target: () => 'because it was moved to an address not in configuration',
    read_because_config_unknown: 'config refers to values not yet known',
    read_because_dependency_pending: 'depends on a resource or a module with changes pending',
    read_because_check_nested: 'config will be checked after apply',
};
/** The `# address will be …` comment lines above a resource, as tofu writes them. */
function resourceHeading(change, drift = false) {
    const lines = [];
    if (drift) {
        lines.push(`# ${change.address} ${change.action === 'delete' ? 'has been deleted' : 'has changed'}`);
    }
    else if (change.action === 'move') {
        lines.push(`# ${change.previousAddress ?? '?'} has moved to ${change.address}`);
    }
    else {
        lines.push(`# ${change.address} ${HEADINGS[change.action]}`);
    }
    if (change.moved && change.action !== 'move')
        lines.push(`# (moved from ${change.previousAddress ?? '?'})`);
    if (change.importing && change.action !== 'import') {
        lines.push(`# (imported from ${JSON.stringify(change.importing.id ?? '')})`);
    }
    // Own keys only: a reason such as `toString` must not find Object's methods.
    const reason = change.actionReason && Object.hasOwn(REASONS, change.actionReason)
        ? REASONS[change.actionReason]
        : undefined;
    if (reason && !drift)
        lines.push(`# (${typeof reason === 'function' ? reason(change) : reason})`);
    if (change.action === 'replace' && change.replaceOrder === 'create-first') {
        lines.push('# (create replacement and then destroy)');
    }
    return lines;
}
/** The whole tofu-like block for one resource change: heading comments, then the attribute diff. */
function renderResourceDiff(change, options = {}) {
    const ctx = { replacePaths: new Set(change.replacePaths) };
    const kind = change.mode === 'data' ? 'data' : 'resource';
    const open = `${kind} ${JSON.stringify(change.type)} ${JSON.stringify(change.name)} {`;
    const marker = options.drift ? '~' : HEADER_MARKERS[change.action];
    const body = resourceBody(change, ctx);
    const lines = [
        ...resourceHeading(change, options.drift).map((text) => ({ marker: ' ', depth: 0, text })),
        { marker, depth: 0, text: open },
        ...body,
        { marker: ' ', depth: 0, text: '}' },
    ];
    return formatLines(lines);
}
function resourceBody(change, ctx) {
    const before = isObject(change.before) ? change.before : {};
    // Stryker disable next-line BlockStatement: diffObject against {} renders a removed object the same way
    if (change.action === 'delete' || change.action === 'forget') {
        return isObject(change.before)
            ? renderWhole('-', undefined, 0, change.before, 0, [], ctx).slice(1, -1)
            : [];
    }
    // Nothing before (a create, a data source read, or a change tofu gave no prior value for): all of it is new.
    if (change.before === undefined) {
        const after = change.after;
        if ((0,model/* isUnknown */.t8)(after))
            return [{ marker: '+', depth: 1, text: '# (config refers to values not yet known)' }];
        return isObject(after) ? renderWhole('+', undefined, 0, after, 0, [], ctx).slice(1, -1) : [];
    }
    const after = isObject(change.after) ? change.after : {};
    return diffObject(before, after, 1, [], ctx);
}
/** Output changes, rendered like tofu's "Changes to Outputs". */
function renderOutputsDiff(outputs) {
    const ctx = { replacePaths: new Set() };
    const width = keyWidth(outputs.map((output) => output.name));
    const lines = outputs.flatMap((output) => {
        const before = output.sensitive && !isAbsent(output.before) ? redact/* SENSITIVE */.NP : output.before;
        const after = output.sensitive && !isAbsent(output.after) ? redact/* SENSITIVE */.NP : output.after;
        // Stryker disable next-line ArrayDeclaration: outputs have no replace paths
        const changed = diffValue(output.name, width, before, after, 0, [], ctx);
        // Both sides hidden: tofu still lists the output as changed.
        return changed.length > 0
            ? changed
            : [{ marker: '~', depth: 0, text: `${prefix(output.name, width)}(sensitive value)` }];
    });
    return formatLines(lines);
}

;// CONCATENATED MODULE: ./src/report/escape.ts
// Safe markdown for text that comes from plans, configs and engines: it can never close its code block or
// <details>, inject HTML, @-mention anyone, or link an issue.
const ZERO_WIDTH_SPACE = '\u200b';
// ANSI escape sequences (CSI, OSC and two-character ones), then every other control character but tab and
// newline: C0, DEL, C1, and the bidirectional overrides that make text read differently than it is.
const ANSI_SEQUENCE = 
// eslint-disable-next-line no-control-regex
/\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Text without ANSI escapes or control characters: only tab and newline are kept (CRLF becomes LF). */
function escape_stripControl(text) {
    // A lone carriage return would let text overwrite the line it sits on in a terminal-like log view.
    return text.replace(ANSI_SEQUENCE, '').replace(CONTROL, '').replace(/\r\n/g, '\n').replace(/\r/g, '');
}
/**
 * One line for the run log from repository text (stack names, folders, engine messages): no control characters,
 * newlines shown as `⏎`, and nothing the runner reads as a workflow command (`::name::` at the start of a line,
 * the legacy `##[name]` anywhere).
 */
function logSafe(text) {
    return escape_stripControl(text)
        .replace(/\r\n|\r|\n/g, ' ⏎ ')
        .replace(/:(?=:)/g, `:${ZERO_WIDTH_SPACE}`)
        .replace(/##\[/g, `#${ZERO_WIDTH_SPACE}#[`);
}
/** Breaks GitHub's autolinks (`https://…`, `www.…`) so repository text in a table cell never becomes a link. */
function neutralizeAutolinks(text) {
    return text
        .replace(/([A-Za-z][A-Za-z0-9+.-]*):\/\//g, `$1:${ZERO_WIDTH_SPACE}//`)
        .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_SPACE}.`);
}
/** Escapes HTML so text can sit in raw HTML (`<summary>`) or in markdown without becoming a tag. */
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
/** Breaks `@user` and `#123` (also `GH-123`) so GitHub neither notifies nor links. */
function neutralizeReferences(text) {
    return text
        .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZERO_WIDTH_SPACE}`)
        .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
        .replace(/\bGH-(?=\d)/gi, (match) => `${match}${ZERO_WIDTH_SPACE}`);
}
/** Markdown punctuation that could start emphasis, links, tables or strikethrough. */
const MARKDOWN_SPECIALS = /[\\`*_[\]|~!]/g;
/** Plain inline text: one line, no HTML, no markdown formatting, no mentions. */
function escapeText(text) {
    const oneLine = escape_stripControl(text).replace(/\r?\n|\r/g, ' ');
    return neutralizeAutolinks(neutralizeReferences(escapeHtml(oneLine).replace(MARKDOWN_SPECIALS, (char) => `\\${char}`)));
}
/** Text for raw HTML contexts such as `<summary>`: markdown is not processed there, entities are. */
function escapeHtmlText(text) {
    return neutralizeAutolinks(neutralizeReferences(escapeHtml(escape_stripControl(text).replace(/\r?\n|\r/g, ' '))));
}
function longestRun(text, char) {
    // Scans from one occurrence to the next: most texts (every diff block) hold none at all.
    let longest = 0;
    for (let start = text.indexOf(char); start !== -1;) {
        let end = start + 1;
        while (text[end] === char)
            end += 1;
        longest = Math.max(longest, end - start);
        start = text.indexOf(char, end);
    }
    return longest;
}
/**
 * An inline code span that its content cannot close. `|` is escaped because GFM splits table cells on it
 * even inside code spans. Code spans are never linked or mentioned, so no other escaping is needed.
 */
function inlineCode(text) {
    const oneLine = escape_stripControl(text)
        .replace(/\r?\n|\r/g, ' ')
        .replace(/\|/g, '\\|');
    const fence = '`'.repeat(longestRun(oneLine, '`') + 1);
    const pad = oneLine.startsWith('`') || oneLine.endsWith('`') || oneLine.trim() === '' ? ' ' : '';
    return `${fence}${pad}${oneLine}${pad}${fence}`;
}
/** The fence for a block: longer than any backtick run in the content, so the content cannot close it. */
function fenceFor(content) {
    return '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
}
/** A fenced code block; its content is shown verbatim and cannot end the block early. */
function codeBlock(raw, language = '') {
    const content = escape_stripControl(raw);
    const fence = fenceFor(content);
    const body = content.endsWith('\n') ? content : `${content}\n`;
    return `${fence}${language}\n${body}${fence}\n`;
}

;// CONCATENATED MODULE: ./src/report/findings.ts

const KIND_LABELS = {
    config: 'Config',
    format: 'Formatting',
    validate: 'Validation',
    secret: 'Secret',
    policy: 'Policy',
    engine: 'Engine',
    stack: 'Stack',
};
function failingFindings(findings) {
    return findings.filter((finding) => finding.severity === 'error' && !finding.waivedBy);
}
function annotationFromFinding(finding) {
    if (!finding.file || !finding.line)
        return undefined;
    const endLine = finding.endLine && finding.endLine >= finding.line ? finding.endLine : finding.line;
    const sameLine = endLine === finding.line;
    const level = finding.waivedBy ? 'notice' : finding.severity === 'error' ? 'failure' : finding.severity;
    return {
        path: finding.file,
        start_line: finding.line,
        end_line: endLine,
        ...(sameLine && finding.column ? { start_column: finding.column } : {}),
        ...(sameLine && finding.column && finding.endColumn && finding.endColumn >= finding.column
            ? { end_column: finding.endColumn }
            : {}),
        annotation_level: level,
        title: `${KIND_LABELS[finding.kind]}: ${finding.title}`.slice(0, 255),
        message: (finding.waivedBy
            ? `${finding.message} (waived by label ${finding.waivedBy})`
            : finding.message).slice(0, 65_000),
    };
}
function place(finding) {
    if (!finding.file)
        return finding.stack ? inlineCode(finding.stack) : '';
    return inlineCode(finding.line ? `${finding.file}:${finding.line}` : finding.file);
}
function icon(finding) {
    if (finding.waivedBy)
        return '✅';
    return finding.severity === 'error' ? '❌' : finding.severity === 'warning' ? '⚠️' : 'ℹ️';
}
function findingLine(finding) {
    const waived = finding.waivedBy ? ` — waived by label ${inlineCode(finding.waivedBy)}` : '';
    const where = place(finding);
    return `- ${icon(finding)} **${KIND_LABELS[finding.kind]}** ${where ? `${where} ` : ''}${escapeText(finding.message)}${waived}`;
}
/** A Markdown section listing findings, details (diffs) included while they fit in `maxLength`. */
function renderFindings(findings, maxLength = 20_000) {
    if (findings.length === 0)
        return '';
    const errors = failingFindings(findings).length;
    const heading = `### Checks — ${errors} blocking, ${findings.length - errors} other`;
    const parts = [heading, ''];
    let used = heading.length + 2;
    let shown = 0;
    const ordered = [...findings].sort((a, b) => rank(a) - rank(b));
    for (const finding of ordered) {
        let entry = findingLine(finding);
        if (finding.detail) {
            const detail = `\n\n  <details><summary>diff</summary>\n\n${indent(codeBlock(finding.detail, 'diff'))}\n\n  </details>\n`;
            if (used + entry.length + detail.length < maxLength - 200)
                entry += detail;
        }
        if (used + entry.length + 1 > maxLength - 200)
            break;
        parts.push(entry);
        used += entry.length + 1;
        shown++;
    }
    if (shown < ordered.length) {
        parts.push('', `_…and ${ordered.length - shown} more: every finding is an annotation on the check run._`);
    }
    return parts.join('\n');
}
function rank(finding) {
    if (finding.waivedBy)
        return 3;
    return finding.severity === 'error' ? 0 : finding.severity === 'warning' ? 1 : 2;
}
function indent(text) {
    return text
        .split('\n')
        .map((line) => (line ? `  ${line}` : line))
        .join('\n');
}
/** One line for the log and the failure message: `file:line:column: message`. */
function describeFinding(finding) {
    const place = finding.file
        ? `${finding.file}${finding.line ? `:${finding.line}` : ''}${finding.line && finding.column ? `:${finding.column}` : ''}: `
        : finding.stack
            ? `${finding.stack}: `
            : '';
    return `${place}${finding.message.split('\n')[0]}`;
}
/** The gate's message for blocking findings: the first few, then a count. */
function blockingSummary(blocking, shown = 5) {
    const lines = blocking.slice(0, shown).map((finding) => `  ${describeFinding(finding)}`);
    if (blocking.length > shown)
        lines.push(`  …and ${blocking.length - shown} more (see the check run)`);
    return `${blocking.length} blocking finding(s):\n${lines.join('\n')}`;
}

;// CONCATENATED MODULE: ./src/plan/policy.ts
// Checks one stack's plan against the declarative policies of `.stackgate.yml`. Pure: plan and config in,
// violations out; reporting and the exit status decide what to do with them.
//
// Semantics, chosen once here:
// - `deny` looks at what each change does. A replace counts as `replace` and also as `delete`, since it destroys
//   the old object (a policy denying `delete` must not be dodged by a change that forces replacement); it does
//   not count as `create` or `update`. An import counts as `import` and a move as `move`, alongside whatever
//   else the change does (an import that also updates is both `import` and `update`). `forget` (removed from
//   state, not destroyed) matches nothing. Each resource gives at most one violation per policy.
// - `resources` are picomatch globs on the full address, tried on every address the resource has in the plan
//   (its `previous_address` too: a move never takes a resource out of a policy); absent means every resource. `*` stops at nothing in
//   an address (a `/` inside a for_each key is an ordinary character), so `aws_db_instance.*` matches
//   `aws_db_instance.main` and `aws_db_instance.main[0]`, and `module.db.*` everything inside module.db, nested
//   modules included. A root-only glob does not reach into modules: use `*aws_db_instance.*` for that.
//   `[` and `]` are literal, as in addresses (no character classes): `aws_instance.web[0]` is that instance,
//   `aws_instance.web[*]` any of them, `module.app[*].*` everything in every instance of a counted module.
// - `max-changes` counts add + change + destroy as tofu's `Plan:` line does (a replace is one add and one
//   destroy), over the changes that `resources` selects.
// - `require-attributes` checks the `after` value of created, updated and replaced resources: each attribute
//   must be present, and when keys are listed, be a map holding each of them (a null key counts as missing).
//   A value that is unknown until apply, or hidden as sensitive, cannot be checked and is not a violation:
//   a policy must not fail on what the plan cannot know.
// - `unless-label`: when the pull request carries that label (compared case-insensitively, as GitHub treats
//   label names), the violation is still reported, with `waivedBy`, and does not fail the gate.


function evaluatePolicies(stackName, plan, policies, labels) {
    const labelSet = new Set(labels.map((label) => label.toLowerCase()));
    const violations = [];
    for (const policy of policies) {
        const matches = addressMatcher(policy.resources);
        // A resource is judged by every address it has in the plan: moved out of a protected address, it is still
        // the protected resource (its destruction or replacement is denied like one that never moved).
        const selected = plan.changes.filter((change) => addressesOf(change).some(matches));
        const found = [
            ...maxChangesViolations(policy, selected),
            ...selected.flatMap((change) => [
                ...denyViolations(policy, change),
                ...requireAttributesViolations(policy, change),
            ]),
        ];
        const waivedBy = policy.unlessLabel !== undefined && labelSet.has(policy.unlessLabel.toLowerCase())
            ? policy.unlessLabel
            : undefined;
        for (const violation of found) {
            violations.push({
                policy: policy.name,
                stack: stackName,
                level: policy.level,
                ...violation,
                ...(waivedBy !== undefined ? { waivedBy } : {}),
            });
        }
    }
    return violations;
}
function policyGate(violations) {
    let errors = 0;
    let warnings = 0;
    let waived = 0;
    for (const violation of violations) {
        if (violation.waivedBy !== undefined)
            waived += 1;
        else if (violation.level === 'warning')
            warnings += 1;
        else
            errors += 1;
    }
    return { failed: errors > 0, errors, warnings, waived };
}
// ---- matching --------------------------------------------------------------------------------------------
// picomatch treats `/` as a path separator that `*` cannot cross; addresses have no paths, so the slash is
// swapped for a private-use character in both pattern and address and becomes an ordinary character.
const SLASH_STAND_IN = '\uE000';
const unslash = (text) => text.replaceAll('/', SLASH_STAND_IN);
// Brackets in an address are indexes; escaped, they match themselves and `*` still works between them.
const literalBrackets = (glob) => glob.replace(/[[\]]/g, (bracket) => `\\${bracket}`);
function addressMatcher(globs) {
    if (globs === undefined)
        return () => true;
    // Stryker disable next-line ConditionalExpression,ArrowFunction: equivalent; picomatch of no globs matches nothing too
    if (globs.length === 0)
        return () => false;
    const glob = picomatch(globs.map((pattern) => unslash(literalBrackets(pattern))), 
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent; with slashes swapped out an address is one segment, never starting with a dot
    { dot: true });
    return (address) => glob(unslash(address));
}
/** Every address a change has in the plan: where it is going and, for a move, where it was. */
function addressesOf(change) {
    // A previous address equal to the address is harmless: matching twice gives the same answer.
    return change.previousAddress !== undefined ? [change.address, change.previousAddress] : [change.address];
}
/** The policy actions a change performs. */
function actionsOf(change) {
    const actions = new Set();
    switch (change.action) {
        case 'create':
        case 'update':
        case 'delete':
        case 'read':
        case 'import':
        case 'move':
            actions.add(change.action);
            break;
        case 'replace':
            actions.add('replace').add('delete');
            break;
        // Stryker disable next-line ConditionalExpression: equivalent; the default case only breaks
        default:
            break;
    }
    if (change.importing)
        actions.add('import');
    if (change.moved)
        actions.add('move');
    return actions;
}
const VERBS = {
    create: 'created',
    update: 'updated',
    delete: 'destroyed',
    replace: 'replaced',
    read: 'read',
};
/** What the change does, in words: `imported and updated`, `moved from a.b and replaced`. */
function describeChange(change) {
    const parts = [];
    if (change.importing || change.action === 'import')
        parts.push('imported');
    if (change.moved || change.action === 'move') {
        parts.push(change.previousAddress ? `moved from ${change.previousAddress}` : 'moved');
    }
    const verb = VERBS[change.action];
    if (verb !== undefined)
        parts.push(verb);
    return parts.join(' and ') || change.action;
}
function resourceFields(change) {
    return {
        address: change.address,
        resourceType: change.type,
        resourceName: change.name,
        ...(change.moduleAddress !== '' ? { modulePath: change.moduleAddress } : {}),
    };
}
function denyViolations(policy, change) {
    const does = actionsOf(change);
    if (!policy.deny.some((action) => does.has(action)))
        return [];
    const message = `${policy.name}: ${change.address} would be ${describeChange(change)} (deny: ${policy.deny.join(', ')})`;
    return [{ ...resourceFields(change), message }];
}
function maxChangesViolations(policy, selected) {
    if (policy.maxChanges === undefined)
        return [];
    let add = 0;
    let change = 0;
    let destroy = 0;
    for (const { action } of selected) {
        if (action === 'create' || action === 'replace')
            add += 1;
        if (action === 'update')
            change += 1;
        if (action === 'delete' || action === 'replace')
            destroy += 1;
    }
    const total = add + change + destroy;
    if (total <= policy.maxChanges)
        return [];
    const message = `${policy.name}: ${total} resource changes exceed the limit of ${policy.maxChanges} ` +
        `(${add} to add, ${change} to change, ${destroy} to destroy)`;
    return [{ message }];
}
const CHECKS_ATTRIBUTES = new Set(['create', 'update', 'replace']);
function requireAttributesViolations(policy, change) {
    const required = Object.entries(policy.requireAttributes);
    // Stryker disable next-line ConditionalExpression: equivalent; with nothing required the loop below finds nothing
    if (required.length === 0)
        return [];
    if (!CHECKS_ATTRIBUTES.has(change.action))
        return [];
    const after = change.after;
    if (!isMap(after))
        return []; // unknown or hidden as a whole: nothing can be checked
    const missing = [];
    for (const [attribute, keys] of required) {
        const value = after[attribute];
        if (isUncheckable(value))
            continue;
        if (value === undefined || value === null) {
            missing.push(keys.length > 0 ? keys.map((key) => `${attribute}.${key}`).join(', ') : attribute);
        }
        else if (keys.length > 0) {
            if (!isMap(value)) {
                missing.push(`${attribute} (not a map)`);
                continue;
            }
            for (const key of keys) {
                const held = value[key];
                if (held === undefined || held === null)
                    missing.push(`${attribute}.${key}`);
            }
        }
    }
    if (missing.length === 0)
        return [];
    const message = `${policy.name}: ${change.address} is missing ${missing.join(', ')}`;
    return [{ ...resourceFields(change), message }];
}
/** Unknown, hidden or cut values: the plan cannot say what they hold. */
function isUncheckable(value) {
    return isMarker(value);
}
function isMap(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUncheckable(value);
}

;// CONCATENATED MODULE: ./src/report/policy.ts
// The policy section of the PR comment and job summary: one table row per violation. Pure. Every value in it
// comes from the config or the plan, so each cell is escaped: nothing can break the table, inject HTML,
// mention anyone or link an issue.


const TABLE_HEAD = '| Policy | Stack | Resource | Level | Result | Detail |\n| --- | --- | --- | --- | --- | --- |';
/**
 * `### Policies`, a one-line tally and the table, blocking rows first; empty when there are no violations.
 * Past `maxRows` rows the rest fold into one closing row, so a policy matching thousands of resources cannot
 * push the comment past GitHub's size limit.
 */
function renderPolicySection(violations, maxRows = 100) {
    if (violations.length === 0)
        return '';
    const ordered = [...violations].sort((a, b) => policy_rank(a) - policy_rank(b));
    const shown = ordered.slice(0, Math.max(0, maxRows));
    const rows = shown.map(row);
    const hidden = ordered.length - shown.length;
    if (hidden > 0)
        rows.push(`| … | | | | | ${hidden} more not shown |`);
    return ['### Policies', tally(violations), [TABLE_HEAD, ...rows].join('\n')].join('\n\n') + '\n';
}
/** Blocking first, then warnings, then waived; the sort is stable, so plan order holds within each. */
function policy_rank(violation) {
    if (violation.waivedBy !== undefined)
        return 2;
    return violation.level === 'error' ? 0 : 1;
}
function tally(violations) {
    const gate = policyGate(violations);
    const parts = [
        gate.errors > 0 ? `❌ ${gate.errors} blocking` : '',
        gate.warnings > 0 ? `⚠️ ${plural(gate.warnings, 'warning')}` : '',
        gate.waived > 0 ? `✅ ${gate.waived} waived` : '',
    ].filter((part) => part !== '');
    const verdict = gate.failed ? 'Policies block this change' : 'No policy blocks this change';
    return `**${verdict}** — ${parts.join(', ')}`;
}
function plural(n, word) {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
}
function row(violation) {
    const resource = violation.address !== undefined ? inlineCode(violation.address) : '—';
    const cells = [
        escapeText(violation.policy),
        escapeText(violation.stack),
        resource,
        violation.level,
        result(violation),
        escapeText(detail(violation)),
    ];
    return `| ${cells.join(' | ')} |`;
}
function result(violation) {
    if (violation.waivedBy !== undefined)
        return `✅ waived by ${inlineCode(violation.waivedBy)}`;
    return violation.level === 'error' ? '❌ blocks' : '⚠️ warning';
}
/** The message without its `policy: ` prefix, which the first column already shows. */
function detail(violation) {
    const prefix = `${violation.policy}: `;
    return violation.message.startsWith(prefix) ? violation.message.slice(prefix.length) : violation.message;
}

;// CONCATENATED MODULE: ./src/report/markdown.ts
// The sticky PR comment and the job summary: a verdict, a table of stacks, a loud line for destruction, then
// a collapsible section per stack, all within a size budget. Pure: report in, text out.





/** GitHub rejects comment bodies over this many characters. */
const COMMENT_MAX_LENGTH = 65_536;
/** The job summary of one step may hold 1 MiB. */
const SUMMARY_MAX_BYTES = 1024 * 1024;
// ---- small pieces ----------------------------------------------------------------------------------------
/** The hidden marker that identifies the sticky comment; different headers make different comments. */
function commentMarker(header) {
    // The default comment has no name, so no header can collide with it; a header is kept as written (encoded).
    if (header.trim() === '')
        return '<!-- stackgate:comment -->';
    return `<!-- stackgate:comment:${encodeURIComponent(header.trim())} -->`;
}
function markdown_plural(count, noun) {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
function engineTitle(engine) {
    if (engine === 'tofu')
        return 'OpenTofu';
    if (engine === 'terraform')
        return 'Terraform';
    if (engine === 'ansible')
        return 'Ansible';
    if (engine === 'terragrunt')
        return 'Terragrunt';
    return engine;
}
/** `Plan: 1 to add, 2 to change, 1 to destroy.` plus what tofu reports apart. */
function countsLine(counts) {
    const extras = [
        counts.replace > 0 ? `${counts.replace} replaced` : '',
        counts.import > 0 ? `${counts.import} to import` : '',
        counts.move > 0 ? `${counts.move} moved` : '',
        counts.read > 0 ? `${counts.read} to read` : '',
        counts.drift > 0 ? `${counts.drift} drifted` : '',
    ].filter((text) => text !== '');
    const forget = counts.forget > 0 ? `, ${counts.forget} to forget` : '';
    const main = `${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy${forget}`;
    return extras.length > 0 ? `${main} (${extras.join(', ')})` : main;
}
function stackHasChanges(stack) {
    return stack.status === 'planned' && (stack.plan?.hasChanges ?? true);
}
function isDestructive(stack) {
    const counts = stack.plan?.counts;
    return counts !== undefined && (counts.destroy > 0 || counts.replace > 0);
}
const STATUS_LABELS = {
    planned: '📝 changes',
    'no-changes': '✅ no changes',
    errored: '❌ errored',
    unaffected: '➖ unchanged (not planned)',
    skipped: '⏭️ skipped',
    applied: '🚀 applied',
    'apply-failed': '❌ apply failed',
};
function statusLabel(stack) {
    if (stack.status === 'planned' && stack.plan && !stack.plan.hasChanges)
        return STATUS_LABELS['no-changes'];
    return STATUS_LABELS[stack.status];
}
// ---- verdict, table, loud line ---------------------------------------------------------------------------
function verdict(report, findings) {
    const stacks = report.stacks;
    const count = (test) => stacks.filter(test).length;
    const parts = [
        [count(stackHasChanges), 'to change'],
        [count((s) => s.status === 'errored'), 'errored'],
        [
            count((s) => (s.status === 'planned' || s.status === 'no-changes') && !stackHasChanges(s)),
            'without changes',
        ],
        [count((s) => s.status === 'skipped'), 'skipped'],
        [count((s) => s.status === 'unaffected'), 'unaffected'],
        [count((s) => s.status === 'applied'), 'applied'],
        [count((s) => s.status === 'apply-failed'), 'failed to apply'],
    ];
    const text = parts
        .filter(([n]) => n > 0)
        .map(([n, label], index) => (index === 0 ? `${markdown_plural(n, 'stack')} ${label}` : `${n} ${label}`))
        .join(', ');
    const title = escapeText(`Stackgate ${report.command}`);
    const blocking = failingFindings(findings).length;
    const checks = blocking > 0 ? ` — ❌ ${markdown_plural(blocking, 'blocking finding')}` : '';
    return `**${title}** — ${text || 'no stacks'}${checks}`;
}
function tableRow(stack) {
    const counts = stack.plan?.counts;
    const cell = (n) => (n === undefined ? '–' : String(n));
    return `| ${escapeText(stack.name)} | ${escapeText(stack.engine)} | ${cell(counts?.add)} | ${cell(counts?.change)} | ${cell(counts?.destroy)} | ${cell(counts?.replace)} | ${statusLabel(stack)} |`;
}
const markdown_TABLE_HEAD = '| Stack | Engine | Add | Change | Destroy | Replace | Status |\n| --- | --- | ---: | ---: | ---: | ---: | --- |';
function fullTable(stacks) {
    return [markdown_TABLE_HEAD, ...stacks.map(tableRow)].join('\n');
}
/** The table always fits: past the budget, unaffected stacks fold into one row, then rows are cut. */
function renderTable(stacks, maxLength, measure) {
    const full = fullTable(stacks);
    if (measure(full) <= maxLength)
        return full;
    const affected = stacks.filter((stack) => stack.status !== 'unaffected');
    const unaffected = stacks.length - affected.length;
    const rows = [markdown_TABLE_HEAD];
    for (const [index, stack] of affected.entries()) {
        const rest = affected.length - index + unaffected;
        const row = tableRow(stack);
        // Keep room for the closing "… more" row.
        if (measure([...rows, row].join('\n')) + 80 > maxLength) {
            rows.push(`| … ${markdown_plural(rest, 'more stack')} | | | | | | see the job summary |`);
            return rows.join('\n');
        }
        rows.push(row);
    }
    // Every affected row fitted, yet the full table did not: there are unaffected stacks to fold.
    rows.push(`| … ${markdown_plural(unaffected, 'unaffected stack')} | | | | | | ${STATUS_LABELS.unaffected} |`);
    return rows.join('\n');
}
const LOUD_LINE_STACKS = 10;
function loudLine(stacks) {
    const destructive = stacks.filter(isDestructive);
    if (destructive.length === 0)
        return undefined;
    const shown = destructive.slice(0, LOUD_LINE_STACKS);
    const more = destructive.length - shown.length;
    const names = shown.map((stack) => {
        const counts = stack.plan.counts;
        // tofu counts a replacement's destroy half in `destroy`; people want pure deletions apart.
        const deleted = counts.destroy - counts.replace;
        const parts = [
            deleted > 0 ? `${deleted} to delete` : '',
            counts.replace > 0 ? `${counts.replace} to replace` : '',
        ];
        return `${inlineCode(stack.name)} (${parts.filter(Boolean).join(', ')})`;
    });
    const tail = more > 0 ? ` and ${more} more stack${more === 1 ? '' : 's'}` : '';
    return `⚠️ **This plan destroys or replaces resources in ${names.join(', ')}${tail}.**`;
}
function summaryLine(stack) {
    const name = `<b>${escapeHtmlText(stack.name)}</b>`;
    const path = stack.path && stack.path !== stack.name ? ` <code>${escapeHtmlText(stack.path)}</code>` : '';
    const what = stack.plan && stack.status !== 'errored' ? planLine(stack.plan) : statusLabel(stack);
    return `${statusLabel(stack).split(' ')[0]} ${name}${path} — ${escapeHtmlText(what)}`;
}
function introLines(stack, plan) {
    const lines = [];
    if (stack.message)
        lines.push(`> ${escapeText(stack.message)}`);
    if (plan?.tasks) {
        // Ansible: check mode's recap, failed runs included (their hosts and tasks are in the diagnostics).
        lines.push(plan.hasChanges || stack.status === 'errored'
            ? `**Check mode:** ${tasksLine(plan.tasks)}.`
            : `**No changes.** Check mode: ${tasksLine(plan.tasks)}.`);
    }
    else if (plan && stack.status !== 'errored') {
        lines.push(plan.hasChanges
            ? `**Plan:** ${countsLine(plan.counts)}.`
            : '**No changes.** The infrastructure matches the configuration.');
    }
    if (plan && plan.redactedCount > 0) {
        lines.push(`🔒 ${markdown_plural(plan.redactedCount, 'sensitive value')} hidden.`);
    }
    return lines;
}
function diagnosticItem(diagnostic) {
    const icon = diagnostic.severity === 'error' ? '❌ Error' : '⚠️ Warning';
    const where = diagnostic.file
        ? ` — ${inlineCode(`${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}` : ''}`)}`
        : '';
    const head = `**${icon}:** ${escapeText(diagnostic.summary)}${where}`;
    return diagnostic.detail ? `${head}\n\n${codeBlock(diagnostic.detail, 'text')}` : head;
}
function diffItem(change, drift = false) {
    if (change.textDiff !== undefined)
        return codeBlock(change.textDiff, 'diff');
    return codeBlock(renderResourceDiff(change, { drift }), 'diff');
}
/** Ansible's recap in words: `2 changed, 3 ok, 1 skipped on 1 host`. */
function tasksLine(tasks) {
    const parts = [`${tasks.changed} changed`, `${tasks.ok} ok`];
    if (tasks.skipped > 0)
        parts.push(`${tasks.skipped} skipped`);
    if (tasks.failed > 0)
        parts.push(`${tasks.failed} failed`);
    if (tasks.unreachable > 0)
        parts.push(`${tasks.unreachable} unreachable`);
    return `${parts.join(', ')} on ${markdown_plural(tasks.hosts, 'host')}`;
}
/** The plan in one line: tofu's counts, or Ansible's task-host recap. */
function planLine(plan) {
    return plan.tasks ? tasksLine(plan.tasks) : countsLine(plan.counts);
}
/** The object's id, so a reviewer can tell which real object moved. */
function idNote(change) {
    // Only a map has an `id` (arrays, scalars and markers give undefined); null and undefined have nothing.
    const id = change.after?.id;
    return typeof id === 'string' && id !== '' ? ` (id ${inlineCode(id)})` : '';
}
function isPureMove(change) {
    return change.action === 'move';
}
function isPureImport(change) {
    return change.action === 'import';
}
/**
 * Sections rendered ahead of the report, while other stacks are still planning: the renders at the end of a
 * run (log, summary, comment, check run) then only assemble them. A memo, so rendering stays pure: what a
 * section is made of (the stack report, its plan and their lists) is frozen when the section is kept, so a
 * later change to it throws instead of leaving the section stale.
 */
const renderedAhead = new WeakMap();
function freezeRendered(stack) {
    const plan = stack.plan;
    if (plan) {
        // Freezing an absent part (plan.tasks) is a no-op.
        for (const part of [plan.changes, plan.drift, plan.outputs, plan.diagnostics, plan.counts, plan.tasks])
            Object.freeze(part);
        Object.freeze(plan);
    }
    Object.freeze(stack.diagnostics);
    return Object.freeze(stack);
}
/** Renders the section of a finished stack now (once), for every later render of a report that holds it. */
function renderSectionAhead(stack) {
    // Stryker disable next-line ConditionalExpression: equivalent; rendering a frozen stack again gives the same parts
    if (!renderedAhead.has(stack))
        renderedAhead.set(freezeRendered(stack), renderStackParts(stack));
}
function stackParts(stack) {
    return renderedAhead.get(stack) ?? renderStackParts(stack);
}
function renderStackParts(stack) {
    const plan = stack.plan;
    const engine = engineTitle(stack.engine);
    const items = [];
    const diagnostics = [...(plan?.diagnostics ?? []), ...stack.diagnostics];
    for (const diagnostic of diagnostics)
        items.push({ group: '#### Diagnostics', text: diagnosticItem(diagnostic) });
    const changes = plan?.changes ?? [];
    for (const change of changes.filter((c) => !isPureMove(c) && !isPureImport(c))) {
        items.push({ group: '#### Changes', text: diffItem(change) });
    }
    for (const change of changes.filter(isPureMove)) {
        items.push({
            group: '#### Moves',
            text: `- ${inlineCode(change.previousAddress ?? '?')} → ${inlineCode(change.address)}${idNote(change)}`,
        });
    }
    for (const change of changes.filter(isPureImport)) {
        const id = change.importing?.id ? ` (id ${inlineCode(change.importing.id)})` : '';
        items.push({ group: '#### Imports', text: `- ${inlineCode(change.address)}${id}` });
    }
    for (const change of plan?.drift ?? []) {
        items.push({ group: `#### Drift — changed outside of ${engine}`, text: diffItem(change, true) });
    }
    if (plan && plan.outputs.length > 0) {
        items.push({ group: '#### Outputs', text: codeBlock(renderOutputsDiff(plan.outputs), 'diff') });
    }
    const open = stack.status === 'errored' || stack.status === 'apply-failed' ? ' open' : '';
    return {
        open: `<details${open}><summary>${summaryLine(stack)}</summary>`,
        intro: introLines(stack, plan),
        items,
        close: '</details>',
    };
}
/** Joins parts with blank lines (markdown inside <details> needs them); headings appear once per group. */
function assemble(parts, itemCount, note) {
    const blocks = [parts.open, ...parts.intro];
    let group;
    for (const item of parts.items.slice(0, itemCount)) {
        if (item.group !== group)
            blocks.push(item.group);
        group = item.group;
        blocks.push(item.text.trimEnd());
    }
    if (note)
        blocks.push(note);
    blocks.push(parts.close);
    return blocks.join('\n\n');
}
/** The collapsible section of one stack, in full. */
function renderStackSection(stack) {
    return assemble(stackParts(stack), Number.POSITIVE_INFINITY);
}
function trimmedNote(omitted, where) {
    return `_… ${markdown_plural(omitted, 'more item')} not shown: details trimmed to fit; the full report is in ${where}._`;
}
/** How many leading items fit in `budget`, counted piece by piece so large stacks stay linear. */
function itemsThatFit(parts, budget, measure, where) {
    const separator = measure('\n\n');
    const note = measure(trimmedNote(parts.items.length, where)) + separator;
    let used = measure(assemble(parts, 0)) + note;
    let group;
    let count = 0;
    for (const item of parts.items) {
        const heading = item.group !== group ? measure(item.group) + separator : 0;
        used += heading + measure(item.text.trimEnd()) + separator;
        if (used > budget)
            break;
        group = item.group;
        count += 1;
    }
    return count;
}
/** The section within `budget`: whole items in order while they fit, then a note; '' when nothing fits. */
function renderStackWithin(parts, budget, measure, where) {
    const full = assemble(parts, parts.items.length);
    if (measure(full) <= budget)
        return full;
    const count = itemsThatFit(parts, budget, measure, where);
    const trimmed = assemble(parts, count, trimmedNote(parts.items.length - count, where));
    if (measure(trimmed) <= budget)
        return trimmed;
    const minimal = assemble({ ...parts, intro: [] }, 0, trimmedNote(parts.items.length, where));
    return measure(minimal) <= budget ? minimal : '';
}
/** Water-filling: small sections get all they need, the rest split what remains evenly. */
function fairShares(sizes, budget) {
    const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
    // Stryker disable next-line ArrayDeclaration: equivalent; the loop below assigns every index
    const shares = new Array(sizes.length).fill(0);
    let remaining = Math.max(0, budget);
    order.forEach(({ size, index }, position) => {
        const share = Math.min(size, Math.floor(remaining / (order.length - position)));
        shares[index] = share;
        remaining -= share;
    });
    return shares;
}
// ---- metadata --------------------------------------------------------------------------------------------
const META_PATTERN = /<!-- stackgate:meta (\{.*?\}) -->/s;
/** The hidden metadata never takes more than this; stacks past it are counted, not listed. */
const META_BUDGET = 12_000;
function metaBlock(report) {
    const listed = report.stacks.filter((stack) => stack.status !== 'unaffected');
    let block = metaBlockFor(report, listed, 0);
    for (let keep = listed.length; block.length > META_BUDGET && keep > 0;) {
        keep = Math.floor(keep / 2);
        block = metaBlockFor(report, listed.slice(0, keep), listed.length - keep);
    }
    return block;
}
function metaBlockFor(report, stacks, omitted) {
    const meta = {
        version: 1,
        command: report.command,
        header: report.header,
        sha: report.sha,
        pullNumber: report.pullNumber, // JSON leaves it out when undefined
        stacks: stacks.map((stack) => ({
            name: stack.name,
            status: stack.status,
            ...(stack.fingerprint ? { fingerprint: stack.fingerprint } : {}),
            ...(stack.appliesOnMerge ? { on: 'merge' } : {}),
        })),
        ...(omitted > 0 ? { omittedStacks: omitted } : {}),
    };
    return `<!-- stackgate:meta ${hiddenJson(meta)} -->`;
}
/**
 * JSON for a hidden HTML comment, escaped so no value can end the comment, mention anyone or carry a control
 * or bidi character; JSON.parse reads the escapes back.
 */
function hiddenJson(value) {
    return JSON.stringify(value).replace(/[<>&@\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
/** Reads the hidden metadata block back from a comment body. */
function parseCommentMeta(body) {
    const match = META_PATTERN.exec(body);
    if (match === null)
        return undefined;
    const json = match[1]; // the group always takes part in a match
    let meta;
    try {
        meta = JSON.parse(json);
    }
    catch {
        return undefined;
    }
    if (meta.version !== 1 || typeof meta.sha !== 'string' || !Array.isArray(meta.stacks))
        return undefined;
    return meta;
}
/** Characters that would end a markdown link target or open HTML are percent-encoded. */
function percentEncode(url) {
    return url.replace(/[()<>\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
function renderReport(report, options) {
    const { measure, maxLength } = options;
    const join = (blocks) => blocks.filter((b) => b).join('\n\n') + '\n';
    const marker = options.comment ? commentMarker(report.header) : undefined;
    const meta = options.comment ? metaBlock(report) : undefined;
    // Policy violations get their own table; every other finding is listed under Checks.
    const allFindings = report.findings ?? [];
    const checks = allFindings.filter((finding) => finding.kind !== 'policy');
    const findings = checks.length
        ? renderFindings(checks, Math.floor(Math.min(maxLength / 3, 200_000)))
        : undefined;
    const policies = report.policyViolations?.length
        ? renderPolicySection(report.policyViolations, 50)
        : undefined;
    const loud = [loudLine(report.stacks), policies, findings].filter((block) => block).join('\n\n') || undefined;
    const outcome = report.outcome?.length ? report.outcome.join('\n\n') : undefined;
    const drift = report.openDrift?.length
        ? report.openDrift
            .map(({ stack, issue }) => `⚠️ ${inlineCode(stack)} has open drift (#${issue}): this plan also reverts it.`)
            .join('\n')
        : undefined;
    const head = [marker, verdict(report, allFindings), outcome, drift];
    // Each stack's diffs are rendered once and reused if the sections must be trimmed (they dominate the cost).
    const sectionParts = report.stacks.filter((stack) => stack.status !== 'unaffected').map(stackParts);
    const sections = sectionParts.map((parts) => assemble(parts, Number.POSITIVE_INFINITY));
    const full = join([...head, fullTable(report.stacks), loud, ...sections, meta]);
    if (measure(full) <= maxLength)
        return { body: full, truncated: false };
    // Trimmed: the table gets what the head, loud blocks and metadata leave, less room kept for the sections.
    const fixedCost = measure(join([...head, loud, meta])) + 4;
    const table = renderTable(report.stacks, Math.max(0, maxLength - fixedCost - 400), measure);
    const runLink = report.runUrl ? ` ([workflow run](${percentEncode(report.runUrl)}))` : '';
    const notice = `> [!NOTE]\n> Details trimmed to fit the size limit; the full report is in ${options.fullReportIn}${runLink}.`;
    const frame = join([...head, table, loud, notice, meta]);
    if (measure(frame) > maxLength) {
        // Even the frame is too big (thousands of stacks or findings): the verdict and a pointer always fit.
        const minimal = join([...head, notice, meta]);
        return { body: measure(minimal) <= maxLength ? minimal : join(head), truncated: true };
    }
    // Each section also costs its blank-line separator, so sections within their shares fit; a section with
    // nothing that fits is '' and left out by join.
    const budget = maxLength - measure(frame) - 2 * sections.length;
    const shares = fairShares(sections.map(measure), budget);
    const trimmed = sectionParts.map((parts, index) => renderStackWithin(parts, shares[index] ?? 0, measure, options.fullReportIn));
    return { body: join([...head, table, loud, notice, ...trimmed, meta]), truncated: true };
}
/** The sticky PR comment: never longer than `maxLength` (GitHub's 65,536 by default). */
function renderComment(report, options = {}) {
    return renderReport(report, {
        maxLength: options.maxLength ?? COMMENT_MAX_LENGTH,
        measure: (text) => text.length,
        comment: true,
        fullReportIn: 'the job summary',
    });
}
/** The job summary: the same content within 1 MiB (bytes), no marker or metadata. */
function renderSummary(report, options = {}) {
    return renderReport(report, {
        maxLength: options.maxBytes ?? SUMMARY_MAX_BYTES,
        measure: (text) => external_node_buffer_namespaceObject.Buffer.byteLength(text), // UTF-8
        comment: false,
        fullReportIn: 'the run log',
    }).body;
}
/**
 * The full report as the run log shows it (between stop-commands markers): the summary's text without control
 * characters, and with the legacy `##[command]` form, which is read anywhere on a line, broken.
 */
function renderLogReport(report) {
    return stripControl(renderSummary(report)).replace(/##\[/g, '#\u200b#[');
}
// ---- JSON for `stackgate render --format json` -----------------------------------------------------------
function changeToJson(change) {
    return {
        address: change.address,
        action: change.action,
        ...(change.previousAddress ? { previousAddress: change.previousAddress } : {}),
        ...(change.replacePaths.length > 0 ? { replacePaths: change.replacePaths } : {}),
        ...(change.replaceOrder ? { replaceOrder: change.replaceOrder } : {}),
        ...(change.actionReason ? { actionReason: change.actionReason } : {}),
        ...(change.importing ? { importing: change.importing } : {}),
        mode: change.mode,
        type: change.type,
        name: change.name,
        ...(change.moduleAddress ? { moduleAddress: change.moduleAddress } : {}),
        providerName: change.providerName,
        ...(change.before !== undefined ? { before: change.before } : {}),
        ...(change.after !== undefined ? { after: change.after } : {}),
    };
}
/** The plan as plain JSON (secrets already redacted; `secrets` is never included). */
function planToJson(plan) {
    return {
        // The documented JSON shape: tofu's three numbers and Stackgate's five (forget shows in the text only).
        counts: {
            add: plan.counts.add,
            change: plan.counts.change,
            destroy: plan.counts.destroy,
            replace: plan.counts.replace,
            import: plan.counts.import,
            move: plan.counts.move,
            read: plan.counts.read,
            drift: plan.counts.drift,
        },
        hasChanges: plan.hasChanges,
        changes: plan.changes.map(changeToJson),
        drift: plan.drift.map(changeToJson),
        outputs: plan.outputs.map((output) => ({ ...output })),
        diagnostics: plan.diagnostics,
        redactedCount: plan.redactedCount,
    };
}


/***/ }),

/***/ 633:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   eh: () => (/* binding */ isSecretName)
/* harmony export */ });
/* unused harmony exports nameWords, secretEnvironmentValues */
// The one notion of a secret-looking name, shared by the secret scanner (files of the change), the plan
// redaction (values in plans and diagnostics), the formatter-diff redaction and the masking of engine inputs.
// A name the scanner flags is a name whose value no report shows, and the other way round.
/** Splits `dbPassword`, `db-password`, `DB_PASSWORD` and `spring.datasource.password` into lower-case words. */
function nameWords(name) {
    return name
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .toLowerCase()
        .split(/[^a-z0-9]/)
        .filter((word) => word !== '');
}
// Words that name a secret on their own, matched whole or in the plural (`pwds`, `cookies`), besides those ending
// in a suffix below (`secrets`, `passwords`, `tokens`). Only the singular is looked up: each entry is its own.
const SECRET_WORDS = new Set([
    'pass',
    'pwd',
    'auth',
    'authorization',
    'credential',
    'apikey',
    'privatekey',
    'secretkey',
    'accesskey',
    'signingkey',
    'authkey',
    'connectionstring',
    'sas',
    'jwt',
    'bearer',
    'cookie',
]);
// A word ending in one of these names a secret, alone or as a compound: `password`, `pgpassword`, `dbpass` is not
// (too short a stem to tell from `compass`), `clientsecret`, `accesstoken`, `mysqlpwd` is not (`pwd` alone only).
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token'];
// Consecutive words that name a secret together; `key` alone does not (`key_name`, a map key). Phrases with a
// secret word in them (`secret_key`, `auth_key`, `client_secret`) need no entry.
const SECRET_SEQUENCES = [
    'api_key',
    'access_key',
    'private_key',
    'signing_key',
    'encryption_key',
    'master_key',
    'session_key',
    'account_key',
    'shared_key',
    'connection_string',
].map((phrase) => phrase.split('_'));
// A secret word followed by one of these names metadata about the secret, not the secret: `password_length`,
// `token_ttl`, `secret_name`, `private_key_path`.
const METADATA_LAST_WORDS = new Set([
    'path',
    'file',
    'filename',
    'dir',
    'name',
    'arn',
    'url',
    'uri',
    'endpoint',
    'length',
    'ttl',
    'type',
    'version',
    'algorithm',
    'format',
    'policy',
    'ref',
    'reference',
    'method',
    'mode',
    'enabled',
    'count',
    'expiry',
    'expiration',
    'rotation',
]);
function singular(word) {
    return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}
function isSecretWord(word) {
    const stem = singular(word);
    return SECRET_WORDS.has(stem) || SECRET_SUFFIXES.some((suffix) => stem.endsWith(suffix));
}
function containsSequence(words, sequence) {
    return words.some((_, start) => sequence.every((word, offset) => {
        const at = words[start + offset];
        return at !== undefined && singular(at) === word;
    }));
}
/**
 * True when a name looks like it holds a secret, matched on whole words and their plurals (`token`, `tokens`,
 * `github_token`, `pgpassword`, `Authorization`; never `tokenizer`, `passwordless`, `secretary`).
 */
function isSecretName(name) {
    const words = nameWords(name);
    const last = words[words.length - 1];
    // Stryker disable next-line ConditionalExpression: with no words, every check below answers false as well
    if (last === undefined)
        return false;
    if (METADATA_LAST_WORDS.has(last))
        return false;
    // An ID names a key rather than being one (`private_key_id`, `access_key_id`); Vault's `secret_id` is one.
    if (last === 'id' && words[words.length - 2] !== 'secret')
        return false;
    return words.some(isSecretWord) || SECRET_SEQUENCES.some((sequence) => containsSequence(words, sequence));
}
/**
 * Values Stackgate hands to an engine under a secret-looking name (a config `env` entry, a runner `TF_VAR_…`):
 * they are masked in the log before the engine starts, and hidden from diagnostics.
 */
function secretEnvironmentValues(...envs) {
    const values = new Set();
    for (const env of envs) {
        for (const [name, value] of Object.entries(env)) {
            if (value === undefined || value.trim().length < 3 || !isSecretName(name))
                continue;
            values.add(value);
            for (const line of value.split(/\r?\n/))
                if (line.trim().length >= 3)
                    values.add(line);
        }
    }
    return [...values];
}


/***/ }),

/***/ 8750:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   ry: () => (/* binding */ splitList)
/* harmony export */ });
/* unused harmony exports COMMANDS, MATRIX_LIMIT, InputError, repositoryPath, readEventContext, readSettings */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
// Every input and the event context, read and checked up front. Nothing is read at import time.




const COMMANDS = (/* unused pure expression or super */ null && (['plan', 'validate', 'drift', 'apply', 'detect', 'report']));
/** GitHub runs at most this many jobs from one matrix. */
const MATRIX_LIMIT = 256;
/** A wrong input: names the input and what was expected. */
class InputError extends Error {
    input;
    constructor(input, message) {
        super(`Input '${input}': ${message}`);
        this.input = input;
        this.name = 'InputError';
    }
}
function input(name) {
    return core.getInput(name, { trimWhitespace: true });
}
function parseBoolean(name, value, fallback) {
    if (value === '')
        return fallback;
    const lower = value.toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(lower))
        return true;
    if (['false', 'no', '0', 'off'].includes(lower))
        return false;
    throw new InputError(name, `expected true or false, got '${value}'`);
}
/** A path relative to the working directory, as the repository knows it. */
function repositoryPath(settings, file) {
    return settings.workingDirectory ? path.posix.join(settings.workingDirectory, file) : file;
}
function splitList(value) {
    return value
        .split(/[,\n]/)
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
}
function parseCommand(value) {
    const command = value === '' ? 'plan' : value;
    if (COMMANDS.includes(command))
        return command;
    throw new InputError('command', `unknown command '${command}'; expected one of ${COMMANDS.join(', ')}`);
}
function parsePublish(value, command) {
    if (value === '' || value === 'github')
        return 'github';
    if (value === 'artifact') {
        if (command === 'plan' || command === 'detect')
            return 'artifact';
        throw new InputError('publish', `artifact is for command: plan and detect (a matrix), not ${command}`);
    }
    throw new InputError('publish', `expected github or artifact, got '${value}'`);
}
function parseBatchSize(value) {
    if (value === '')
        return 1;
    if (value === 'auto')
        return 'auto';
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000) {
        throw new InputError('matrix-batch-size', `expected a whole number from 1 to 10000 or auto, got '${value}'`);
    }
    return Number(value);
}
function parseEngine(value) {
    const engine = value === '' ? 'auto' : value;
    if (engine === 'auto' || engine === 'tofu' || engine === 'terraform')
        return engine;
    throw new InputError('engine', `expected auto, tofu or terraform, got '${value}'`);
}
function parseParallelism(value) {
    if (value === '')
        return Math.max(1, os.availableParallelism());
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) {
        throw new InputError('parallelism', `expected a whole number from 1 to 64, got '${value}'`);
    }
    return Number(value);
}
function isOutside(root, target) {
    const relative = path.relative(root, target);
    return relative.startsWith('..') || path.isAbsolute(relative);
}
function resolveWorkspace(env, workingDirectory) {
    const root = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
    const dir = path.resolve(root, workingDirectory || '.');
    if (isOutside(root, dir)) {
        throw new InputError('working-directory', `'${workingDirectory}' is outside the workspace ${root}`);
    }
    if (!existsSync(dir))
        throw new InputError('working-directory', `'${workingDirectory}' does not exist`);
    if (isOutside(realpathSync(root), realpathSync(dir))) {
        throw new InputError('working-directory', `'${workingDirectory}' leads outside the workspace through a symlink`);
    }
    return dir;
}
function resolveConfigPath(workspace, value) {
    const configPath = value === '' ? '.stackgate.yml' : value;
    const resolved = path.resolve(workspace, configPath);
    // A symlink may point anywhere: what counts is where the file really is.
    const real = existsSync(resolved) ? realpathSync(resolved) : resolved;
    if (isOutside(workspace, resolved) || isOutside(realpathSync(workspace), real)) {
        throw new InputError('config', `'${configPath}' is outside the working directory`);
    }
    return path.relative(workspace, resolved).split(path.sep).join('/');
}
function commentFrom(payload) {
    const comment = payload.comment;
    const issue = payload.issue;
    if (!comment || typeof comment.id !== 'number' || !issue || typeof issue.number !== 'number') {
        return undefined;
    }
    return {
        id: comment.id,
        body: comment.body ?? '',
        author: comment.user?.login ?? '',
        issueNumber: issue.number,
        onPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
        issueState: issue.state ?? 'open',
    };
}
function readPayload(env) {
    const file = env.GITHUB_EVENT_PATH;
    if (!file || !existsSync(file))
        return {};
    try {
        return JSON.parse(readFileSync(file, 'utf8'));
    }
    catch (error) {
        throw new Error(`The event payload at ${file} is not valid JSON: ${error.message}`, {
            cause: error,
        });
    }
}
function pullRequestFrom(payload) {
    const pr = payload.pull_request;
    if (!pr || typeof pr.number !== 'number')
        return undefined;
    const headRepo = pr.head.repo?.full_name;
    const baseRepo = pr.base.repo?.full_name;
    return {
        number: pr.number,
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        baseSha: pr.base.sha,
        baseRef: pr.base.ref,
        fromFork: headRepo === undefined || headRepo !== baseRepo,
        labels: (pr.labels ?? []).map((label) => label.name),
        author: pr.user?.login ?? '',
    };
}
function readEventContext(env = process.env) {
    const repository = env.GITHUB_REPOSITORY ?? '';
    const [owner, repo] = repository.split('/');
    if (!owner || !repo)
        throw new Error(`GITHUB_REPOSITORY must be 'owner/name', got '${repository}'`);
    const payload = readPayload(env);
    const pullRequest = pullRequestFrom(payload);
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const repoInfo = payload.repository;
    return {
        eventName: env.GITHUB_EVENT_NAME ?? '',
        owner,
        repo,
        sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? '',
        ref: env.GITHUB_REF ?? '',
        defaultBranch: repoInfo?.default_branch,
        pullRequest,
        actor: env.GITHUB_ACTOR ?? '',
        runUrl: env.GITHUB_RUN_ID ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
        runId: env.GITHUB_RUN_ID ?? 'local',
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
        job: env.GITHUB_JOB ?? '',
        comment: env.GITHUB_EVENT_NAME === 'issue_comment' ? commentFrom(payload) : undefined,
        payload,
    };
}
function readSettings(env = process.env) {
    const command = parseCommand(input('command'));
    const event = readEventContext(env);
    const workspace = resolveWorkspace(env, input('working-directory'));
    const repoRoot = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd());
    return {
        command,
        repoRoot,
        token: input('github-token'),
        apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
        workspace,
        workingDirectory: path.relative(repoRoot, workspace).split(path.sep).join('/'),
        configPath: resolveConfigPath(workspace, input('config')),
        stackPatterns: splitList(input('stacks')),
        engine: parseEngine(input('engine')),
        parallelism: parseParallelism(input('parallelism')),
        comment: parseBoolean('comment', input('comment'), true),
        commentHeader: input('comment-header'),
        failOnDrift: parseBoolean('fail-on-drift', input('fail-on-drift'), false),
        publish: parsePublish(input('publish'), command),
        matrixBatchSize: parseBatchSize(input('matrix-batch-size')),
        tempDir: path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'stackgate'),
        // Relative to the workspace root, like upload-sarif's `sarif_file`.
        sarifFile: input('sarif-file') ? path.resolve(repoRoot, input('sarif-file')) : undefined,
        event,
    };
}


/***/ }),

/***/ 7785:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   YS: () => (/* binding */ filterStacks)
/* harmony export */ });
/* unused harmony exports selectAffected, isDocumentation, StackFilterError, matchesStackPatterns */
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_path__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var picomatch__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(4006);
/* harmony import */ var picomatch__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(picomatch__WEBPACK_IMPORTED_MODULE_1__);
// Which stacks a change touches, and the `stacks` input that restricts the run to some of them.


/**
 * Splits stacks into those a change affects and the rest, each in the given order. `changedFiles` are
 * repository paths (posix). A stack is affected by:
 * - a file it reads: a static `file()`/`templatefile()`/`fileset()`… path, a var file, a symlink's target;
 * - a file matching one of its `when-modified` globs;
 * - a file in its folder or in a local module folder it calls (transitively), unless the file belongs to a
 *   deeper Terraform folder of its own, or is documentation (`*.md`, `docs/`, `.github/`, licences);
 * - the config file, which affects every stack.
 *
 * The changed files are indexed first (the files, and each folder whose files they count for), so each stack is
 * a few set look-ups rather than a loop over every changed file; only globs are matched file by file.
 */
function selectAffected(inputs, changedFiles, options) {
    const files = [...new Set(changedFiles.map(normalizeFile))];
    if (files.includes(normalizeFile(options.configFile)))
        return { affected: [...inputs], unaffected: [] };
    const boundaries = new Set(options.boundaries);
    for (const input of inputs)
        boundaries.add(input.folder);
    const changed = new Set(files);
    const folders = touchedFolders(files, boundaries);
    const globMatchers = new Map();
    const affected = [];
    const unaffected = [];
    for (const input of inputs) {
        const isAffected = input.files.some((file) => changed.has(file)) ||
            input.folders.some((folder) => folders.has(folder)) ||
            // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent; picomatch of no globs matches nothing too
            (input.globs.length > 0 && matchesAny(globMatcher(input.globs, globMatchers), files));
        (isAffected ? affected : unaffected).push(input);
    }
    return { affected, unaffected };
}
/**
 * The folders a change counts for: for each changed file, the folders holding it (the root `.` too) from the
 * deepest boundary folder holding it outwards excluded (a file belongs to the deepest folder that owns it), and
 * not when the file is documentation below the folder.
 */
function touchedFolders(files, boundaries) {
    const folders = new Set();
    for (const file of files) {
        const owner = ownerOf(file, boundaries);
        // Each `/` ends a folder holding the file: `a/b/c.tf` lies within `a` and `a/b`.
        const holders = ['.'];
        for (let at = file.indexOf('/'); at !== -1; at = file.indexOf('/', at + 1)) {
            if (at > 0)
                holders.push(file.slice(0, at));
        }
        for (const folder of holders) {
            if (folders.has(folder))
                continue;
            if (owner !== undefined && !isWithin(folder, owner) && folder !== owner)
                continue;
            // Stryker disable next-line ArithmeticOperator: equivalent; one more leading character never forms a documentation name
            if (!isDocumentation(folder === '.' ? file : file.slice(folder.length + 1)))
                folders.add(folder);
        }
    }
    return folders;
}
/** The deepest boundary folder holding the file (its own folder counts; the root `.` too). */
function ownerOf(file, boundaries) {
    for (let folder = path.posix.dirname(file);; folder = path.posix.dirname(folder)) {
        if (boundaries.has(folder))
            return folder;
        // dirname ends at `.` for a relative path and at `/` for an absolute one.
        if (folder === '.' || folder === '/')
            return undefined;
    }
}
const DOC_FOLDERS = new Set(['docs', '.github', '.gitlab', '.vscode', '.idea']);
const DOC_FILES = /^(?:.*\.(?:md|markdown|mdx|rst|adoc)|(?:LICENSE|LICENCE|COPYING|NOTICE|CODEOWNERS)(?:\..*)?|\.gitignore|\.gitattributes|\.editorconfig)$/i;
/** Documentation and repository housekeeping below a folder: never planned for, unless read or globbed. */
function isDocumentation(relative) {
    const parts = relative.split('/');
    // Stryker disable next-line StringLiteral: equivalent; split always gives at least one part
    const name = parts.pop() ?? '';
    return parts.some((part) => DOC_FOLDERS.has(part)) || DOC_FILES.test(name);
}
function isWithin(file, folder) {
    return folder === '.' || file.startsWith(`${folder}/`);
}
function matchesAny(matcher, files) {
    return files.some((file) => matcher(file));
}
/** A stack's globs as one matcher, compiled once per distinct list in a selection. */
function globMatcher(globs, cache) {
    const key = JSON.stringify(globs);
    let matcher = cache.get(key);
    // Stryker disable next-line ConditionalExpression: equivalent; a cache miss only builds the same matcher again
    if (!matcher) {
        matcher = picomatch([...globs], { dot: true });
        // Stryker disable next-line CallExpression: equivalent; without the cache the matcher is built on each call
        cache.set(key, matcher);
    }
    return matcher;
}
function normalizeFile(file) {
    return path.posix.normalize(file); // also drops a leading `./`
}
/** A pattern of the `stacks` input that matched no stack. */
class StackFilterError extends Error {
    patterns;
    constructor(patterns) {
        super(`No stack matches ${patterns.map((p) => `'${p}'`).join(', ')} in the stacks input; ` +
            'give stack names, or globs on names or paths');
        this.patterns = patterns;
        this.name = 'StackFilterError';
    }
}
/**
 * The stacks named by the action's `stacks` input: names, or globs on names or paths, in the stacks' own
 * order. No patterns: every stack. A pattern that matches nothing is a mistake worth stopping for, since
 * silently planning nothing would pass the gate.
 */
function filterStacks(stacks, patterns) {
    const wanted = patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
    if (wanted.length === 0)
        return [...stacks];
    const tests = wanted.map((pattern) => ({ pattern, matches: stackMatcher(pattern) }));
    const unmatched = tests.filter(({ matches }) => !stacks.some(matches)).map(({ pattern }) => pattern);
    if (unmatched.length > 0)
        throw new StackFilterError(unmatched);
    return stacks.filter((stack) => tests.some(({ matches }) => matches(stack)));
}
/** Whether a stack of this name and path would be selected by the `stacks` input's patterns. */
function matchesStackPatterns(name, stackPath, patterns) {
    const stack = { name, path: stackPath };
    return patterns.some((pattern) => pattern.trim() !== '' && stackMatcher(pattern.trim())(stack));
}
function stackMatcher(pattern) {
    const onName = picomatch__WEBPACK_IMPORTED_MODULE_1___default()(pattern, { dot: true });
    const pathPattern = pattern === './' ? '.' : pattern.replace(/^\.\//, '').replace(/\/+$/, '');
    const onPath = picomatch__WEBPACK_IMPORTED_MODULE_1___default()(pathPattern, { dot: true });
    // Stryker disable next-line ConditionalExpression: equivalent; picomatch matches a glob against the identical string too (kept for clarity)
    return (stack) => stack.name === pattern || onName(stack.name) || onPath(stack.path);
}


/***/ }),

/***/ 1954:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  jA: () => (/* binding */ discoverStacks)
});

// UNUSED EXPORTS: discoverFolders, inModulesFolder, terraformFolders

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/config/load.ts + 2 modules
var load = __nccwpck_require__(2066);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(1455);
;// CONCATENATED MODULE: ./src/stacks/tree.ts
// The repository as one run sees it: each folder is listed once, each folder's configuration is scanned once and
// each path's real location is worked out once, and discovery, the module graph and the affected selection share
// them. One RepoTree per run (the files do not change while Stackgate decides what to plan); without one, each
// function makes its own, as before.



class tree_RepoTree {
    listings = new Map();
    byName = new WeakMap();
    reals = new Map();
    /** The facts of each folder's configuration files, by absolute folder (filled by folderFacts). */
    facts = new Map();
    /**
     * The entries of a folder (absolute); rejects as readdir does when it cannot be read. Listings and small
     * configuration files are read synchronously: for thousands of them, the promise calls cost several times the
     * system calls (a profile of 1,000 stacks), and nothing else runs while Stackgate decides what to plan.
     */
    list(folder) {
        const key = external_node_path_default().resolve(folder);
        let entries = this.listings.get(key);
        if (!entries) {
            entries = new Promise((resolve) => resolve((0,external_node_fs_.readdirSync)(key, { withFileTypes: true })));
            this.listings.set(key, entries);
        }
        return entries;
    }
    /** A file's text (absolute), undefined when it cannot be read. */
    text(file) {
        try {
            return (0,external_node_fs_.readFileSync)(file, 'utf8');
        }
        catch {
            return undefined;
        }
    }
    /** realRepositoryPath, once per path. */
    realPath(repoRoot, rel) {
        const key = `${external_node_path_default().resolve(repoRoot)}\0${rel}`;
        let real = this.reals.get(key);
        if (!real)
            this.reals.set(key, (real = this.resolveReal(repoRoot, rel)));
        return real;
    }
    /**
     * When every part of the path is a plain folder (the last one may be a file) in its parent's listing, the path
     * is its own real path, with no file system call beyond the listings. Anything else (a symlink, a missing part,
     * an unreadable folder, an unusual spelling) asks the file system.
     */
    async resolveReal(repoRoot, rel) {
        const parts = rel === '.' ? [] : rel.split('/');
        let folder = repoRoot;
        for (const [index, part] of parts.entries()) {
            if (part === '' || part === '.' || part === '..')
                return realRepositoryPath(repoRoot, rel);
            const entries = await this.list(folder).catch(() => undefined);
            const entry = entries && this.entryNamed(entries, part);
            const plain = entry?.isDirectory() || (entry?.isFile() && index === parts.length - 1);
            if (!plain)
                return realRepositoryPath(repoRoot, rel);
            folder = external_node_path_default().join(folder, part);
        }
        // The root itself: its listing proves it exists; the path relative to it is unchanged.
        if (parts.length === 0 &&
            !(await this.list(repoRoot).then(() => true, () => false)))
            return realRepositoryPath(repoRoot, rel);
        return rel;
    }
    entryNamed(entries, name) {
        let names = this.byName.get(entries);
        if (!names)
            this.byName.set(entries, (names = new Map(entries.map((entry) => [entry.name, entry]))));
        return names.get(name);
    }
}
/** Resolves symlinks along a repository path (the longest prefix that exists); undefined when it leads outside. */
async function realRepositoryPath(repoRoot, rel) {
    const realRoot = await (0,promises_.realpath)(repoRoot).catch(() => external_node_path_default().resolve(repoRoot));
    const parts = rel === '.' ? [] : rel.split('/');
    for (let keep = parts.length; keep >= 0; keep--) {
        const real = await (0,promises_.realpath)(external_node_path_default().join(repoRoot, ...parts.slice(0, keep))).catch(() => undefined);
        if (real === undefined)
            continue;
        const relative = external_node_path_default().relative(realRoot, external_node_path_default().join(real, ...parts.slice(keep)));
        if (relative.startsWith('..') || external_node_path_default().isAbsolute(relative))
            return undefined;
        return relative === '' ? '.' : relative.split((external_node_path_default()).sep).join('/');
    }
    return undefined;
}
/**
 * Reads every folder reachable from `starts` (what `next` names after reading one), each once, level by level
 * and in parallel; cycles are safe. Returns what `read` gave, by folder.
 */
async function tree_readReachable(starts, read, next) {
    const done = new Map();
    let frontier = [...new Set(starts)];
    while (frontier.length > 0) {
        const values = await Promise.all(frontier.map(read));
        frontier.forEach((folder, index) => done.set(folder, values[index]));
        const following = new Set();
        frontier.forEach((folder, index) => {
            for (const item of next(folder, values[index]))
                if (!done.has(item))
                    following.add(item);
        });
        frontier = [...following];
    }
    return done;
}

;// CONCATENATED MODULE: ./src/stacks/modules.ts
// What a Terraform/OpenTofu folder's configuration says about the files it uses: local module calls
// (`module "x" { source = "../y" }`), files read by `file()`, `templatefile()`, `fileset()` and friends, and
// whether it declares a backend. A small scanner rather than an HCL parser: it only has to find top-level
// blocks, their literal `source`, and function calls, while never being fooled by comments, strings or heredocs
// that merely contain such text. Interpolations (`"${file("x")}"`, heredoc templates) are scanned too.


/** Markers for `${path.module}`, `${path.root}` and `${path.cwd}` in a resolvable path. */
const PATH_REF = { module: '\u0000module\u0000', root: '\u0000root\u0000', cwd: '\u0000cwd\u0000' };
/** Functions whose first argument names a file (or, for fileset, a folder) that the configuration reads. */
const FILE_FUNCTIONS = new Set([
    'file',
    'filebase64',
    'filebase64sha256',
    'filebase64sha512',
    'filemd5',
    'filesha1',
    'filesha256',
    'filesha512',
    'fileexists',
    'fileset',
    'templatefile',
]);
/** Terraform/OpenTofu configuration files: what makes a folder a module. */
function isConfigFile(name) {
    return /\.(tf|tofu)(\.json)?$/.test(name);
}
/** Module calls whose source is a local path (`./…` or `../…`). */
function parseLocalModuleCalls(text) {
    return parseModuleCalls(tokenize(text).tokens).filter((call) => isLocalSource(call.source));
}
function isLocalSource(source) {
    return source.startsWith('./') || source.startsWith('../');
}
/** Module calls (local ones only), file reads and backend of a native-syntax (`.tf`, `.tofu`) file. */
function scanConfig(text) {
    const { tokens, embedded } = tokenize(text);
    return {
        calls: parseModuleCalls(tokens).filter((call) => isLocalSource(call.source)),
        reads: [...parseFileReads(tokens), ...parseFileReads(embedded)].sort((a, b) => a.line - b.line),
        backend: declaresBackend(tokens),
    };
}
/**
 * The same for a JSON-syntax file (`.tf.json`, `.tofu.json`): `module` blocks are objects (or arrays of them)
 * under the top-level `module` key, and every string is a template whose interpolations may read files.
 */
function scanJsonConfig(text) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        return { calls: [], reads: [], backend: false };
    }
    const facts = { calls: [], reads: [], backend: false };
    const root = isRecord(data) ? data : {};
    for (const modules of blocks(root.module)) {
        for (const [name, body] of Object.entries(modules)) {
            for (const block of blocks(body)) {
                const line = lineOf(text, `"${name}"`);
                if (typeof block.source === 'string' && isLocalSource(block.source))
                    facts.calls.push({ name, source: block.source, line });
            }
        }
    }
    facts.backend = blocks(root.terraform).some((block) => 'backend' in block || 'cloud' in block);
    const visit = (value) => {
        if (typeof value === 'string') {
            if (!value.includes('${'))
                return;
            const line = lineOf(text, JSON.stringify(value).slice(1, -1));
            facts.reads.push(...parseFileReads(templateTokens(value, line)));
        }
        else if (Array.isArray(value))
            value.forEach(visit);
        else if (isRecord(value))
            Object.values(value).forEach(visit);
    };
    visit(root);
    return facts;
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** A JSON block value: an object, or an array of objects. */
function blocks(value) {
    if (Array.isArray(value))
        return value.filter(isRecord);
    return isRecord(value) ? [value] : [];
}
function lineOf(text, needle) {
    const at = text.indexOf(needle);
    return at === -1 ? 1 : text.slice(0, at).split('\n').length;
}
function parseModuleCalls(tokens) {
    const calls = [];
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i];
        const label = tokens[i + 1];
        if (depth === 0 && token?.kind === 'ident' && token.text === 'module' && tokens[i + 2]?.text === '{') {
            if (label && (label.kind === 'ident' || label.kind === 'string')) {
                const end = matchingBrace(tokens, i + 2);
                const source = topLevelSource(tokens, i + 3, end);
                if (source)
                    calls.push({ name: label.text, source: source.text, line: source.line });
                i = end;
                continue;
            }
        }
        if (token?.text === '{')
            depth++;
        if (token?.text === '}')
            depth = Math.max(0, depth - 1);
    }
    return calls;
}
/** `terraform { backend "x" { … } }` or `terraform { cloud { … } }` at the top level. */
function declaresBackend(tokens) {
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i];
        if (depth === 0 && token?.kind === 'ident' && token.text === 'terraform' && tokens[i + 1]?.text === '{') {
            const end = matchingBrace(tokens, i + 1);
            let inner = 0;
            for (let j = i + 2; j < end; j++) {
                const t = tokens[j];
                if (t?.kind === 'punct' && t.text === '{')
                    inner++;
                if (t?.kind === 'punct' && t.text === '}')
                    inner--;
                if (inner !== 0 || t?.kind !== 'ident')
                    continue;
                const next = tokens[j + 1];
                if (t.text === 'backend' && next?.kind === 'string')
                    return true;
                if (t.text === 'cloud' && next?.text === '{')
                    return true;
            }
            i = end;
            continue;
        }
        if (token?.kind === 'punct' && token.text === '{')
            depth++;
        if (token?.kind === 'punct' && token.text === '}')
            depth = Math.max(0, depth - 1);
    }
    return false;
}
/** Calls of the file-reading functions; each argument is static when it is one string of literals and path refs. */
function parseFileReads(tokens) {
    const reads = [];
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i];
        if (token?.kind !== 'ident' || !FILE_FUNCTIONS.has(token.text) || tokens[i + 1]?.text !== '(')
            continue;
        // `provider::x::file(…)` and attribute access (`a.file(`) are not the builtin.
        const before = tokens[i - 1];
        if (before?.kind === 'punct' && (before.text === '.' || before.text === '::'))
            continue;
        const first = staticArgument(tokens, i + 2);
        const read = { fn: token.text, line: token.line };
        if (first.value !== undefined)
            read.path = first.value;
        if (token.text === 'fileset') {
            const second = first.next !== undefined ? staticArgument(tokens, first.next) : { value: undefined };
            if (second.value !== undefined)
                read.pattern = second.value;
            else
                delete read.path;
        }
        reads.push(read);
    }
    return reads;
}
/** The string at `index` when it is a whole argument (followed by `,` or `)`), and where the next one starts. */
function staticArgument(tokens, index) {
    const token = tokens[index];
    // A bare `path.module` (as in `fileset(path.module, "*.json")`).
    const ref = tokens[index + 2];
    if (token?.kind === 'ident' && token.text === 'path' && tokens[index + 1]?.text === '.' && ref) {
        const marker = Object.hasOwn(PATH_REF, ref.text)
            ? PATH_REF[ref.text]
            : undefined;
        const after = tokens[index + 3];
        if (marker && ref.kind === 'ident' && (after?.text === ',' || after?.text === ')'))
            return { value: marker, next: after.text === ',' ? index + 4 : undefined };
        return {};
    }
    const after = tokens[index + 1];
    if (token?.kind === 'string' && token.paths !== undefined && (after?.text === ',' || after?.text === ')'))
        return { value: token.paths, next: after.text === ',' ? index + 2 : undefined };
    return {};
}
/** Index of the `}` closing the `{` at `open` (or the last token when unbalanced). */
function matchingBrace(tokens, open) {
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
        if (tokens[i]?.kind !== 'punct')
            continue;
        if (tokens[i]?.text === '{')
            depth++;
        if (tokens[i]?.text === '}' && --depth === 0)
            return i;
    }
    return tokens.length - 1;
}
/** `source = "…"` directly in the block body (not inside a nested object or block). */
function topLevelSource(tokens, start, end) {
    let depth = 0;
    for (let i = start; i < end; i++) {
        const token = tokens[i];
        if (token?.kind === 'punct' && token.text === '{')
            depth++;
        if (token?.kind === 'punct' && token.text === '}')
            depth--;
        const value = tokens[i + 2];
        if (depth === 0 && token?.kind === 'ident' && token.text === 'source' && tokens[i + 1]?.text === '=') {
            // Only a plain literal names a folder; a template like "${path.module}/x" cannot be resolved here.
            return value?.kind === 'string' && value.literal ? value : undefined;
        }
    }
    return undefined;
}
// ---------------------------------------------------------------------------------------------------------
// Tokenizer: identifiers, strings, punctuation; comments dropped. The expressions inside templates (quoted
// strings and heredocs) are tokenized separately, as `embedded`: they never count as blocks, but their
// function calls do.
const OPERATORS = ['==', '!=', '<=', '>=', '=>', '&&', '||', '::'];
const PATH_EXPRESSION = /^\s*path\.(module|root|cwd)\s*$/;
class Scanner {
    text;
    line;
    pos = 0;
    embedded = [];
    constructor(text, line = 1) {
        this.text = text;
        this.line = line;
    }
    tokens() {
        const tokens = [];
        while (this.pos < this.text.length) {
            const token = this.next();
            if (token)
                tokens.push(token);
        }
        return tokens;
    }
    /** The whole text as a template body (a heredoc's or a JSON string's): its parts, embedded tokens collected. */
    templateBody() {
        return this.readTemplate(false);
    }
    next() {
        const { text } = this;
        const ch = text[this.pos] ?? '';
        if (ch === '\n')
            this.line++;
        if (/\s/.test(ch))
            return void this.pos++;
        if (ch === '#' || text.startsWith('//', this.pos))
            return this.skipLine();
        if (text.startsWith('/*', this.pos))
            return this.skipBlockComment();
        if (ch === '"')
            return this.string();
        if (this.match(/<<-?[A-Za-z_]/y))
            return this.heredoc();
        if (/[A-Za-z_]/.test(ch))
            return this.ident();
        const operator = OPERATORS.find((op) => text.startsWith(op, this.pos));
        const punct = operator ?? ch;
        this.pos += punct.length;
        return { kind: 'punct', text: punct, line: this.line };
    }
    skipLine() {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end === -1 ? this.text.length : end;
        return undefined;
    }
    skipBlockComment() {
        const end = this.text.indexOf('*/', this.pos + 2);
        this.advanceTo(end === -1 ? this.text.length : end + 2);
        return undefined;
    }
    ident() {
        const text = this.match(/[A-Za-z_][A-Za-z0-9_-]*/y)?.[0] ?? '';
        this.pos += text.length;
        return { kind: 'ident', text, line: this.line };
    }
    /** A quoted string; `literal` is false when it holds a `${…}` or `%{…}` template. */
    string() {
        const line = this.line;
        this.pos++; // opening quote
        const { text, literal, paths } = this.readTemplate(true);
        return { kind: 'string', text, literal, line, ...(paths !== undefined ? { paths } : {}) };
    }
    /**
     * Template text up to the closing quote (`quoted`) or the end. Interpolations are tokenized into `embedded`;
     * `paths` keeps the text when the only interpolations are `path.module`, `path.root` or `path.cwd`.
     */
    readTemplate(quoted) {
        const { text } = this;
        let value = '';
        let paths = '';
        let literal = true;
        while (this.pos < text.length) {
            const ch = text[this.pos] ?? '';
            if (quoted && ch === '"') {
                this.pos++;
                break;
            }
            if (quoted && ch === '\n')
                break; // quoted strings cannot span lines: stop rather than swallow the file
            if (quoted && ch === '\\') {
                const escaped = modules_unescape(text[this.pos + 1] ?? '');
                value += escaped;
                if (paths !== undefined)
                    paths += escaped;
                this.pos += 2;
            }
            else if (text.startsWith('$${', this.pos) || text.startsWith('%%{', this.pos)) {
                const marker = text.slice(this.pos + 1, this.pos + 3); // escaped template marker: literal text
                value += marker;
                if (paths !== undefined)
                    paths += marker;
                this.pos += 3;
            }
            else if (text.startsWith('${', this.pos) || text.startsWith('%{', this.pos)) {
                literal = false;
                const directive = ch === '%';
                this.pos += 2;
                const startLine = this.line;
                const start = this.pos;
                const mark = this.embedded.length;
                this.skipTemplateExpression();
                this.embedded.length = mark; // the sub-scanner below finds nested interpolations itself
                const expression = text.slice(start, Math.max(start, this.pos - 1)).replace(/^~|~$/g, '');
                const sub = new Scanner(expression, startLine);
                this.embedded.push(...sub.tokens(), ...sub.embedded);
                const ref = directive ? null : PATH_EXPRESSION.exec(expression);
                if (ref && paths !== undefined)
                    paths += PATH_REF[ref[1]];
                else
                    paths = undefined;
            }
            else {
                if (ch === '\n')
                    this.line++;
                value += ch;
                if (paths !== undefined)
                    paths += ch;
                this.pos++;
            }
        }
        return paths === undefined ? { text: value, literal } : { text: value, literal, paths };
    }
    /** Skips to just past the `}` closing a template interpolation; strings inside may hold braces of their own. */
    skipTemplateExpression() {
        let depth = 1;
        while (this.pos < this.text.length && depth > 0) {
            const ch = this.text[this.pos];
            if (ch === '"') {
                this.pos++;
                this.readTemplate(true);
                continue;
            }
            if (ch === '{')
                depth++;
            if (ch === '}')
                depth--;
            if (ch === '\n')
                this.line++;
            this.pos++;
        }
    }
    /** `<<EOF` / `<<-EOF` … `EOF`: its lines are a template, never code; interpolations in it are scanned. */
    heredoc() {
        const line = this.line;
        const marker = this.match(/<<-?([A-Za-z_][A-Za-z0-9_-]*)/y)?.[1] ?? '';
        let lineEnd = this.text.indexOf('\n', this.pos);
        const bodyStart = lineEnd + 1;
        while (lineEnd !== -1) {
            const nextEnd = this.text.indexOf('\n', lineEnd + 1);
            const content = this.text.slice(lineEnd + 1, nextEnd === -1 ? undefined : nextEnd);
            if (content.trim() === marker) {
                this.scanHeredocBody(this.text.slice(bodyStart, lineEnd + 1), line + 1);
                this.advanceTo(nextEnd === -1 ? this.text.length : nextEnd);
                return { kind: 'string', text: '', literal: false, line };
            }
            lineEnd = nextEnd;
        }
        if (bodyStart > 0)
            this.scanHeredocBody(this.text.slice(bodyStart), line + 1);
        this.advanceTo(this.text.length);
        return { kind: 'string', text: '', literal: false, line };
    }
    scanHeredocBody(body, line) {
        const sub = new Scanner(body, line);
        sub.templateBody();
        this.embedded.push(...sub.embedded);
    }
    /** A sticky regex matched at the current position. */
    match(regex) {
        regex.lastIndex = this.pos;
        return regex.exec(this.text);
    }
    /** Moves to `end`, counting the newlines passed over. */
    advanceTo(end) {
        for (let i = this.pos; i < end; i++)
            if (this.text[i] === '\n')
                this.line++;
        this.pos = end;
    }
}
function modules_unescape(ch) {
    const escapes = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
    return escapes[ch] ?? ch;
}
function tokenize(text) {
    const scanner = new Scanner(text);
    const tokens = scanner.tokens();
    return { tokens, embedded: scanner.embedded };
}
/** The tokens of the interpolations in a template (a JSON string's value). */
function templateTokens(template, line) {
    const scanner = new Scanner(template, line);
    scanner.templateBody();
    return scanner.embedded;
}
// ---------------------------------------------------------------------------------------------------------
// Folders.
/**
 * The facts of every configuration file directly in `folder` (absolute), by file name; none when unreadable.
 * Scanned once per folder and tree.
 */
function folderFacts(folder, tree = new tree_RepoTree()) {
    const key = external_node_path_default().resolve(folder);
    let facts = tree.facts.get(key);
    if (!facts)
        tree.facts.set(key, (facts = scanFolder(key, tree)));
    return facts;
}
async function scanFolder(folder, tree) {
    const entries = await tree.list(folder).catch(() => []);
    const names = entries
        .filter((entry) => !entry.isDirectory() && isConfigFile(entry.name))
        .map((entry) => entry.name)
        .sort();
    const facts = new Map();
    for (const name of names) {
        const text = tree.text(external_node_path_default().join(folder, name));
        if (text !== undefined)
            facts.set(name, name.endsWith('.json') ? scanJsonConfig(text) : scanConfig(text));
    }
    return facts;
}
/** Local module calls in the configuration files directly in `folder` (absolute); none when unreadable. */
async function localModuleCallsIn(folder, tree = new RepoTree()) {
    return [...(await folderFacts(folder, tree)).values()].flatMap((facts) => facts.calls);
}
/** The folder a local source names, posix relative to the workspace; undefined when it leaves the workspace. */
function resolveModuleFolder(fromFolder, source) {
    const joined = external_node_path_default().posix.normalize(external_node_path_default().posix.join(fromFolder, source)).replace(/\/+$/, '');
    const folder = joined === '' ? '.' : joined;
    return folder === '..' || folder.startsWith('../') ? undefined : folder;
}
/** The folders (posix, relative to `workspace`) a folder's `.tf` files call directly as local modules. */
async function directModuleFolders(workspace, folder, tree = new RepoTree()) {
    const calls = await localModuleCallsIn(path.join(workspace, folder), tree);
    const folders = calls.map((call) => resolveModuleFolder(folder, call.source));
    return [...new Set(folders.filter((f) => f !== undefined && f !== folder))];
}
/**
 * For each stack path, every folder it uses through local modules, transitively. Cycles are safe (each folder
 * is visited once). A called folder that does not exist (a pull request that deletes it) is still listed, so
 * changes there still count. Each folder is read once (all of them first, in parallel); the closures are then
 * walked in memory.
 */
async function localModuleGraph(workspace, stackPaths, tree = new RepoTree()) {
    const direct = await readReachable(stackPaths, (folder) => directModuleFolders(workspace, folder, tree), (_, calls) => calls);
    const graph = new Map();
    for (const stackPath of stackPaths) {
        if (graph.has(stackPath))
            continue;
        const seen = new Set();
        const queue = [stackPath];
        for (let at = 0; at < queue.length; at++) {
            for (const called of direct.get(queue[at]) ?? []) {
                if (called === stackPath || seen.has(called))
                    continue;
                seen.add(called);
                queue.push(called);
            }
        }
        graph.set(stackPath, seen);
    }
    return graph;
}

;// CONCATENATED MODULE: ./src/stacks/discover.ts
// The stacks of a config repository: those the config declares, or, without a config (or without `stacks`
// in it), the Terraform/OpenTofu folders that are root modules (see discoverFolders for the rules).




/** Folders never searched: tool caches, VCS data, dependencies, and anything hidden. */
const SKIPPED_FOLDERS = new Set(['.terraform', '.git', 'node_modules']);
async function discoverStacks(workspace, config, tree = new tree_RepoTree()) {
    if (config?.stacks)
        return config.stacks.map(copyStack);
    const defaults = config?.defaults;
    // A folder with a terragrunt.hcl is a Terragrunt unit, even when it holds .tf files too. Shared include files
    // and sourced modules among them are dropped later, from Terragrunt's own answer (engines/terragrunt.ts).
    const units = new Set(await configFolders(workspace, (name) => name === 'terragrunt.hcl', tree));
    const folders = (await discoverFolders(workspace, tree)).stacks.filter((folder) => !units.has(folder));
    const stacks = folders.map((folder) => defaults ? (0,load/* configuredStack */.Hg)({ name: folder, path: folder }, defaults) : discoveredStack(folder));
    const unitStacks = [...units].map((folder) => {
        const stack = defaults
            ? (0,load/* configuredStack */.Hg)({ name: folder, path: folder }, defaults)
            : discoveredStack(folder);
        return { ...stack, engine: 'terragrunt' };
    });
    return [...stacks, ...unitStacks].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
/**
 * Without a config, which Terraform folders are stacks. In order, the first rule that applies decides:
 * a folder declaring a backend (`terraform { backend "…" }` or `cloud {}`) is a stack, even when another folder
 * also calls it as a module; a folder another folder calls as a local module (resolving symlinks) is a module,
 * and so is one whose configuration files are symlinked into another folder; a folder inside a
 * folder named `modules` is a module (one nothing calls yet, or its `examples/`); every other folder is a stack.
 */
async function discoverFolders(workspace, tree = new tree_RepoTree()) {
    const folders = await terraformFolders(workspace, tree);
    const called = new Set();
    const backends = new Set();
    const linked = new Set();
    const realPath = (rel) => tree.realPath(workspace, rel);
    // Folders are read in parallel (each only adds to the sets; the order comes from `folders` below).
    const readOne = async (folder) => {
        const facts = await folderFacts(external_node_path_default().join(workspace, folder), tree);
        if ([...facts.values()].some((file) => file.backend))
            backends.add(folder);
        for (const call of [...facts.values()].flatMap((file) => file.calls)) {
            const target = resolveModuleFolder(folder, call.source);
            if (target === undefined || target === folder)
                continue;
            called.add(target);
            // Through a symlinked folder, the module's real folder is the one called.
            const real = await realPath(target);
            if (real !== undefined && real !== folder)
                called.add(real);
        }
        // A folder whose configuration files are linked into another one is part of that one, like a module.
        for (const entry of await tree.list(external_node_path_default().join(workspace, folder))) {
            if (!entry.isSymbolicLink() || !isConfigFile(entry.name))
                continue;
            const real = await realPath(folder === '.' ? entry.name : `${folder}/${entry.name}`);
            const target = real === undefined ? undefined : external_node_path_default().posix.dirname(real);
            if (target !== undefined && target !== folder)
                linked.add(target);
        }
    };
    await Promise.all(folders.map(readOne));
    const stacks = [];
    const modules = [];
    for (const folder of folders) {
        if (backends.has(folder))
            stacks.push(folder);
        else if (called.has(folder))
            modules.push({ folder, reason: 'called' });
        else if (linked.has(folder))
            modules.push({ folder, reason: 'linked' });
        else if (inModulesFolder(folder))
            modules.push({ folder, reason: 'modules-folder' });
        else
            stacks.push(folder);
    }
    return { stacks, modules };
}
/** A path with a folder named `modules` in it: where modules live by convention. */
function inModulesFolder(folder) {
    return folder.split('/').includes('modules');
}
function discoveredStack(folder) {
    return { name: folder, path: folder, workspace: 'default', varFiles: [], env: {}, whenModified: [] };
}
/** A copy, so callers may change a stack without changing the loaded config. */
function copyStack(stack) {
    return {
        ...stack,
        varFiles: [...stack.varFiles],
        ...(stack.backendConfig ? { backendConfig: [...stack.backendConfig] } : {}),
        env: { ...stack.env },
        whenModified: [...stack.whenModified],
        ...(stack.dependsOn ? { dependsOn: [...stack.dependsOn] } : {}),
    };
}
/**
 * Every folder (posix, relative, sorted) holding configuration files (`*.tf`, `*.tf.json`, `*.tofu`,
 * `*.tofu.json`, symlinked ones included). Symlinked folders are not walked (no loops, no duplicates).
 */
async function terraformFolders(workspace, tree = new tree_RepoTree()) {
    return configFolders(workspace, isConfigFile, tree);
}
/** Every folder (posix, relative, sorted) holding a file whose name `wanted` accepts; walked as above. */
async function configFolders(workspace, wanted, tree) {
    const found = [];
    const visit = async (folder) => {
        const entries = await tree.list(external_node_path_default().join(workspace, folder));
        if (entries.some((entry) => !entry.isDirectory() && wanted(entry.name)))
            found.push(folder);
        const subfolders = entries.filter((entry) => entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.'));
        await Promise.all(subfolders.map((entry) => visit(folder === '.' ? entry.name : `${folder}/${entry.name}`)));
    };
    await visit('.');
    return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}


/***/ }),

/***/ 6071:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   zq: () => (/* binding */ forEachStack)
/* harmony export */ });
/* unused harmony exports stackLanes, allSettledInOrder, forEachStackInOrder, dependencyOrder */
/* harmony import */ var p_limit__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(370);
// The one stack runner, for the action and the CLI alike.

/**
 * Engine lanes: `inLane(stack, work)` runs `work` once a lane is free, at most `parallelism` at once, and never
 * two stacks of the same folder together: they share `.terraform`, its lock file and the selected workspace.
 * Only engine work belongs in a lane; API calls after it (locks, caches) run outside, so a lane never waits on
 * the network while an engine could start.
 */
function stackLanes(parallelism) {
    const limit = (0,p_limit__WEBPACK_IMPORTED_MODULE_0__/* ["default"] */ .A)(Math.max(1, parallelism));
    const lastInFolder = new Map();
    return function inLane(stack, work) {
        const previous = lastInFolder.get(stack.path) ?? Promise.resolve();
        const current = previous.then(() => limit(work));
        lastInFolder.set(stack.path, current.catch(() => undefined));
        return current;
    };
}
/** Every promise settled, then their values in order, or the first rejection. */
async function allSettledInOrder(promises) {
    const settled = await Promise.allSettled(promises);
    return settled.map((result) => {
        if (result.status === 'rejected')
            throw result.reason;
        return result.value;
    });
}
/**
 * Runs `task` for every stack in engine lanes (stackLanes). Results keep the stacks' order. Every task settles
 * before the returned promise does, so a failing one never leaves others running behind it.
 */
function forEachStack(stacks, parallelism, task) {
    const inLane = stackLanes(parallelism);
    return allSettledInOrder(stacks.map((stack) => inLane(stack, () => task(stack))));
}
/**
 * Like forEachStack, but a stack starts only once the stacks it depends on (`depends-on`, among `stacks`) have
 * finished, and `task` gets their results to decide (a dependant of a failed apply is skipped, not applied).
 * The loader rejects cycles; one that slipped through would wait forever, so it is refused here too.
 */
async function forEachStackInOrder(stacks, parallelism, task) {
    const byName = new Map(stacks.map((stack) => [stack.name, stack]));
    const order = dependencyOrder(stacks);
    const limit = pLimit(Math.max(1, parallelism));
    const done = new Map();
    const lastInFolder = new Map();
    for (const stack of order) {
        const dependencies = (stack.dependsOn ?? []).filter((name) => byName.has(name));
        const before = [...dependencies.map((name) => done.get(name)), lastInFolder.get(stack.path)];
        const current = Promise.allSettled(before).then(async (settled) => {
            const results = dependencies.map((name, index) => {
                const outcome = settled[index];
                if (outcome.status === 'rejected')
                    throw outcome.reason;
                return { stack: byName.get(name), result: outcome.value };
            });
            return limit(() => task(stack, results));
        });
        done.set(stack.name, current);
        lastInFolder.set(stack.path, current.catch(() => undefined));
    }
    return allSettledInOrder(stacks.map((stack) => done.get(stack.name)));
}
/** The stacks with every dependency (among them) before its dependants; otherwise in the given order. */
function dependencyOrder(stacks) {
    const byName = new Map(stacks.map((stack) => [stack.name, stack]));
    const placed = new Set();
    const visiting = new Set();
    const order = [];
    const place = (stack) => {
        if (placed.has(stack.name))
            return;
        if (visiting.has(stack.name)) {
            throw new Error(`depends-on forms a cycle through ${stack.name}`);
        }
        visiting.add(stack.name);
        for (const name of stack.dependsOn ?? []) {
            const dependency = byName.get(name);
            if (dependency)
                place(dependency);
        }
        visiting.delete(stack.name);
        placed.add(stack.name);
        order.push(stack);
    };
    for (const stack of stacks)
        place(stack);
    return order;
}


/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 1455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 8161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 7975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

/***/ }),

/***/ 7349:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveBlockMap = __nccwpck_require__(7103);
var resolveBlockSeq = __nccwpck_require__(334);
var resolveFlowCollection = __nccwpck_require__(3142);

function resolveCollection(CN, ctx, token, onError, tagName, tag) {
    const coll = token.type === 'block-map'
        ? resolveBlockMap.resolveBlockMap(CN, ctx, token, onError, tag)
        : token.type === 'block-seq'
            ? resolveBlockSeq.resolveBlockSeq(CN, ctx, token, onError, tag)
            : resolveFlowCollection.resolveFlowCollection(CN, ctx, token, onError, tag);
    const Coll = coll.constructor;
    // If we got a tagName matching the class, or the tag name is '!',
    // then use the tagName from the node class used to create it.
    if (tagName === '!' || tagName === Coll.tagName) {
        coll.tag = Coll.tagName;
        return coll;
    }
    if (tagName)
        coll.tag = tagName;
    return coll;
}
function composeCollection(CN, ctx, token, props, onError) {
    const tagToken = props.tag;
    const tagName = !tagToken
        ? null
        : ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg));
    if (token.type === 'block-seq') {
        const { anchor, newlineAfterProp: nl } = props;
        const lastProp = anchor && tagToken
            ? anchor.offset > tagToken.offset
                ? anchor
                : tagToken
            : (anchor ?? tagToken);
        if (lastProp && (!nl || nl.offset < lastProp.offset)) {
            const message = 'Missing newline after block sequence props';
            onError(lastProp, 'MISSING_CHAR', message);
        }
    }
    const expType = token.type === 'block-map'
        ? 'map'
        : token.type === 'block-seq'
            ? 'seq'
            : token.start.source === '{'
                ? 'map'
                : 'seq';
    // shortcut: check if it's a generic YAMLMap or YAMLSeq
    // before jumping into the custom tag logic.
    if (!tagToken ||
        !tagName ||
        tagName === '!' ||
        (tagName === YAMLMap.YAMLMap.tagName && expType === 'map') ||
        (tagName === YAMLSeq.YAMLSeq.tagName && expType === 'seq')) {
        return resolveCollection(CN, ctx, token, onError, tagName);
    }
    let tag = ctx.schema.tags.find(t => t.tag === tagName && t.collection === expType);
    if (!tag) {
        const kt = ctx.schema.knownTags[tagName];
        if (kt?.collection === expType) {
            ctx.schema.tags.push(Object.assign({}, kt, { default: false }));
            tag = kt;
        }
        else {
            if (kt) {
                onError(tagToken, 'BAD_COLLECTION_TYPE', `${kt.tag} used for ${expType} collection, but expects ${kt.collection ?? 'scalar'}`, true);
            }
            else {
                onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, true);
            }
            return resolveCollection(CN, ctx, token, onError, tagName);
        }
    }
    const coll = resolveCollection(CN, ctx, token, onError, tagName, tag);
    const res = tag.resolve?.(coll, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg), ctx.options) ?? coll;
    const node = identity.isNode(res)
        ? res
        : new Scalar.Scalar(res);
    node.range = coll.range;
    node.tag = tagName;
    if (tag?.format)
        node.format = tag.format;
    return node;
}

exports.composeCollection = composeCollection;


/***/ }),

/***/ 3683:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Document = __nccwpck_require__(3021);
var composeNode = __nccwpck_require__(5937);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);

function composeDoc(options, directives, { offset, start, value, end }, onError) {
    const opts = Object.assign({ _directives: directives }, options);
    const doc = new Document.Document(undefined, opts);
    const ctx = {
        atKey: false,
        atRoot: true,
        directives: doc.directives,
        options: doc.options,
        schema: doc.schema
    };
    const props = resolveProps.resolveProps(start, {
        indicator: 'doc-start',
        next: value ?? end?.[0],
        offset,
        onError,
        parentIndent: 0,
        startOnNewline: true
    });
    if (props.found) {
        doc.directives.docStart = true;
        if (value &&
            (value.type === 'block-map' || value.type === 'block-seq') &&
            !props.hasNewline)
            onError(props.end, 'MISSING_CHAR', 'Block collection cannot start on same line with directives-end marker');
    }
    // @ts-expect-error If Contents is set, let's trust the user
    doc.contents = value
        ? composeNode.composeNode(ctx, value, props, onError)
        : composeNode.composeEmptyNode(ctx, props.end, start, null, props, onError);
    const contentEnd = doc.contents.range[2];
    const re = resolveEnd.resolveEnd(end, contentEnd, false, onError);
    if (re.comment)
        doc.comment = re.comment;
    doc.range = [offset, contentEnd, re.offset];
    return doc;
}

exports.composeDoc = composeDoc;


/***/ }),

/***/ 5937:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var composeCollection = __nccwpck_require__(7349);
var composeScalar = __nccwpck_require__(5413);
var resolveEnd = __nccwpck_require__(7788);
var utilEmptyScalarPosition = __nccwpck_require__(2599);

const CN = { composeNode, composeEmptyNode };
function composeNode(ctx, token, props, onError) {
    const atKey = ctx.atKey;
    const { spaceBefore, comment, anchor, tag } = props;
    let node;
    let isSrcToken = true;
    switch (token.type) {
        case 'alias':
            node = composeAlias(ctx, token, onError);
            if (anchor || tag)
                onError(token, 'ALIAS_PROPS', 'An alias node must not specify any properties');
            break;
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'block-scalar':
            node = composeScalar.composeScalar(ctx, token, tag, onError);
            if (anchor)
                node.anchor = anchor.source.substring(1);
            break;
        case 'block-map':
        case 'block-seq':
        case 'flow-collection':
            try {
                node = composeCollection.composeCollection(CN, ctx, token, props, onError);
                if (anchor)
                    node.anchor = anchor.source.substring(1);
            }
            catch (error) {
                // Almost certainly here due to a stack overflow
                const message = error instanceof Error ? error.message : String(error);
                onError(token, 'RESOURCE_EXHAUSTION', message);
            }
            break;
        default: {
            const message = token.type === 'error'
                ? token.message
                : `Unsupported token (type: ${token.type})`;
            onError(token, 'UNEXPECTED_TOKEN', message);
            isSrcToken = false;
        }
    }
    node ?? (node = composeEmptyNode(ctx, token.offset, undefined, null, props, onError));
    if (anchor && node.anchor === '')
        onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    if (atKey &&
        ctx.options.stringKeys &&
        (!identity.isScalar(node) ||
            typeof node.value !== 'string' ||
            (node.tag && node.tag !== 'tag:yaml.org,2002:str'))) {
        const msg = 'With stringKeys, all keys must be strings';
        onError(tag ?? token, 'NON_STRING_KEY', msg);
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        if (token.type === 'scalar' && token.source === '')
            node.comment = comment;
        else
            node.commentBefore = comment;
    }
    // @ts-expect-error Type checking misses meaning of isSrcToken
    if (ctx.options.keepSourceTokens && isSrcToken)
        node.srcToken = token;
    return node;
}
function composeEmptyNode(ctx, offset, before, pos, { spaceBefore, comment, anchor, tag, end }, onError) {
    const token = {
        type: 'scalar',
        offset: utilEmptyScalarPosition.emptyScalarPosition(offset, before, pos),
        indent: -1,
        source: ''
    };
    const node = composeScalar.composeScalar(ctx, token, tag, onError);
    if (anchor) {
        node.anchor = anchor.source.substring(1);
        if (node.anchor === '')
            onError(anchor, 'BAD_ALIAS', 'Anchor cannot be an empty string');
    }
    if (spaceBefore)
        node.spaceBefore = true;
    if (comment) {
        node.comment = comment;
        node.range[2] = end;
    }
    return node;
}
function composeAlias({ options }, { offset, source, end }, onError) {
    const alias = new Alias.Alias(source.substring(1));
    if (alias.source === '')
        onError(offset, 'BAD_ALIAS', 'Alias cannot be an empty string');
    if (alias.source.endsWith(':'))
        onError(offset + source.length - 1, 'BAD_ALIAS', 'Alias ending in : is ambiguous', true);
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, options.strict, onError);
    alias.range = [offset, valueEnd, re.offset];
    if (re.comment)
        alias.comment = re.comment;
    return alias;
}

exports.composeEmptyNode = composeEmptyNode;
exports.composeNode = composeNode;


/***/ }),

/***/ 5413:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);

function composeScalar(ctx, token, tagToken, onError) {
    const { value, type, comment, range } = token.type === 'block-scalar'
        ? resolveBlockScalar.resolveBlockScalar(ctx, token, onError)
        : resolveFlowScalar.resolveFlowScalar(token, ctx.options.strict, onError);
    const tagName = tagToken
        ? ctx.directives.tagName(tagToken.source, msg => onError(tagToken, 'TAG_RESOLVE_FAILED', msg))
        : null;
    let tag;
    if (ctx.options.stringKeys && ctx.atKey) {
        tag = ctx.schema[identity.SCALAR];
    }
    else if (tagName)
        tag = findScalarTagByName(ctx.schema, value, tagName, tagToken, onError);
    else if (token.type === 'scalar')
        tag = findScalarTagByTest(ctx, value, token, onError);
    else
        tag = ctx.schema[identity.SCALAR];
    let scalar;
    try {
        const res = tag.resolve(value, msg => onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg), ctx.options);
        scalar = identity.isScalar(res) ? res : new Scalar.Scalar(res);
    }
    catch (error) {
        const msg = error instanceof Error ? error.message : String(error);
        onError(tagToken ?? token, 'TAG_RESOLVE_FAILED', msg);
        scalar = new Scalar.Scalar(value);
    }
    scalar.range = range;
    scalar.source = value;
    if (type)
        scalar.type = type;
    if (tagName)
        scalar.tag = tagName;
    if (tag.format)
        scalar.format = tag.format;
    if (comment)
        scalar.comment = comment;
    return scalar;
}
function findScalarTagByName(schema, value, tagName, tagToken, onError) {
    if (tagName === '!')
        return schema[identity.SCALAR]; // non-specific tag
    const matchWithTest = [];
    for (const tag of schema.tags) {
        if (!tag.collection && tag.tag === tagName) {
            if (tag.default && tag.test)
                matchWithTest.push(tag);
            else
                return tag;
        }
    }
    for (const tag of matchWithTest)
        if (tag.test?.test(value))
            return tag;
    const kt = schema.knownTags[tagName];
    if (kt && !kt.collection) {
        // Ensure that the known tag is available for stringifying,
        // but does not get used by default.
        schema.tags.push(Object.assign({}, kt, { default: false, test: undefined }));
        return kt;
    }
    onError(tagToken, 'TAG_RESOLVE_FAILED', `Unresolved tag: ${tagName}`, tagName !== 'tag:yaml.org,2002:str');
    return schema[identity.SCALAR];
}
function findScalarTagByTest({ atKey, directives, schema }, value, token, onError) {
    const tag = schema.tags.find(tag => (tag.default === true || (atKey && tag.default === 'key')) &&
        tag.test?.test(value)) || schema[identity.SCALAR];
    if (schema.compat) {
        const compat = schema.compat.find(tag => tag.default && tag.test?.test(value)) ??
            schema[identity.SCALAR];
        if (tag.tag !== compat.tag) {
            const ts = directives.tagString(tag.tag);
            const cs = directives.tagString(compat.tag);
            const msg = `Value may be parsed as either ${ts} or ${cs}`;
            onError(token, 'TAG_RESOLVE_FAILED', msg, true);
        }
    }
    return tag;
}

exports.composeScalar = composeScalar;


/***/ }),

/***/ 9984:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var directives = __nccwpck_require__(1342);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var identity = __nccwpck_require__(1127);
var composeDoc = __nccwpck_require__(3683);
var resolveEnd = __nccwpck_require__(7788);

function getErrorPos(src) {
    if (typeof src === 'number')
        return [src, src + 1];
    if (Array.isArray(src))
        return src.length === 2 ? src : [src[0], src[1]];
    const { offset, source } = src;
    return [offset, offset + (typeof source === 'string' ? source.length : 1)];
}
function parsePrelude(prelude) {
    let comment = '';
    let atComment = false;
    let afterEmptyLine = false;
    for (let i = 0; i < prelude.length; ++i) {
        const source = prelude[i];
        switch (source[0]) {
            case '#':
                comment +=
                    (comment === '' ? '' : afterEmptyLine ? '\n\n' : '\n') +
                        (source.substring(1) || ' ');
                atComment = true;
                afterEmptyLine = false;
                break;
            case '%':
                if (prelude[i + 1]?.[0] !== '#')
                    i += 1;
                atComment = false;
                break;
            default:
                // This may be wrong after doc-end, but in that case it doesn't matter
                if (!atComment)
                    afterEmptyLine = true;
                atComment = false;
        }
    }
    return { comment, afterEmptyLine };
}
/**
 * Compose a stream of CST nodes into a stream of YAML Documents.
 *
 * ```ts
 * import { Composer, Parser } from 'yaml'
 *
 * const src: string = ...
 * const tokens = new Parser().parse(src)
 * const docs = new Composer().compose(tokens)
 * ```
 */
class Composer {
    constructor(options = {}) {
        this.doc = null;
        this.atDirectives = false;
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
        this.onError = (source, code, message, warning) => {
            const pos = getErrorPos(source);
            if (warning)
                this.warnings.push(new errors.YAMLWarning(pos, code, message));
            else
                this.errors.push(new errors.YAMLParseError(pos, code, message));
        };
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        this.directives = new directives.Directives({ version: options.version || '1.2' });
        this.options = options;
    }
    decorate(doc, afterDoc) {
        const { comment, afterEmptyLine } = parsePrelude(this.prelude);
        //console.log({ dc: doc.comment, prelude, comment })
        if (comment) {
            const dc = doc.contents;
            if (afterDoc) {
                doc.comment = doc.comment ? `${doc.comment}\n${comment}` : comment;
            }
            else if (afterEmptyLine || doc.directives.docStart || !dc) {
                doc.commentBefore = comment;
            }
            else if (identity.isCollection(dc) && !dc.flow && dc.items.length > 0) {
                let it = dc.items[0];
                if (identity.isPair(it))
                    it = it.key;
                const cb = it.commentBefore;
                it.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
            else {
                const cb = dc.commentBefore;
                dc.commentBefore = cb ? `${comment}\n${cb}` : comment;
            }
        }
        if (afterDoc) {
            for (let i = 0; i < this.errors.length; ++i)
                doc.errors.push(this.errors[i]);
            for (let i = 0; i < this.warnings.length; ++i)
                doc.warnings.push(this.warnings[i]);
        }
        else {
            doc.errors = this.errors;
            doc.warnings = this.warnings;
        }
        this.prelude = [];
        this.errors = [];
        this.warnings = [];
    }
    /**
     * Current stream status information.
     *
     * Mostly useful at the end of input for an empty stream.
     */
    streamInfo() {
        return {
            comment: parsePrelude(this.prelude).comment,
            directives: this.directives,
            errors: this.errors,
            warnings: this.warnings
        };
    }
    /**
     * Compose tokens into documents.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *compose(tokens, forceDoc = false, endOffset = -1) {
        for (const token of tokens)
            yield* this.next(token);
        yield* this.end(forceDoc, endOffset);
    }
    /** Advance the composer by one CST token. */
    *next(token) {
        if (node_process.env.LOG_STREAM)
            console.dir(token, { depth: null });
        switch (token.type) {
            case 'directive':
                this.directives.add(token.source, (offset, message, warning) => {
                    const pos = getErrorPos(token);
                    pos[0] += offset;
                    this.onError(pos, 'BAD_DIRECTIVE', message, warning);
                });
                this.prelude.push(token.source);
                this.atDirectives = true;
                break;
            case 'document': {
                const doc = composeDoc.composeDoc(this.options, this.directives, token, this.onError);
                if (this.atDirectives && !doc.directives.docStart)
                    this.onError(token, 'MISSING_CHAR', 'Missing directives-end/doc-start indicator line');
                this.decorate(doc, false);
                if (this.doc)
                    yield this.doc;
                this.doc = doc;
                this.atDirectives = false;
                break;
            }
            case 'byte-order-mark':
            case 'space':
                break;
            case 'comment':
            case 'newline':
                this.prelude.push(token.source);
                break;
            case 'error': {
                const msg = token.source
                    ? `${token.message}: ${JSON.stringify(token.source)}`
                    : token.message;
                const error = new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg);
                if (this.atDirectives || !this.doc)
                    this.errors.push(error);
                else
                    this.doc.errors.push(error);
                break;
            }
            case 'doc-end': {
                if (!this.doc) {
                    const msg = 'Unexpected doc-end without preceding document';
                    this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', msg));
                    break;
                }
                this.doc.directives.docEnd = true;
                const end = resolveEnd.resolveEnd(token.end, token.offset + token.source.length, this.doc.options.strict, this.onError);
                this.decorate(this.doc, true);
                if (end.comment) {
                    const dc = this.doc.comment;
                    this.doc.comment = dc ? `${dc}\n${end.comment}` : end.comment;
                }
                this.doc.range[2] = end.offset;
                break;
            }
            default:
                this.errors.push(new errors.YAMLParseError(getErrorPos(token), 'UNEXPECTED_TOKEN', `Unsupported token ${token.type}`));
        }
    }
    /**
     * Call at end of input to yield any remaining document.
     *
     * @param forceDoc - If the stream contains no document, still emit a final document including any comments and directives that would be applied to a subsequent document.
     * @param endOffset - Should be set if `forceDoc` is also set, to set the document range end and to indicate errors correctly.
     */
    *end(forceDoc = false, endOffset = -1) {
        if (this.doc) {
            this.decorate(this.doc, true);
            yield this.doc;
            this.doc = null;
        }
        else if (forceDoc) {
            const opts = Object.assign({ _directives: this.directives }, this.options);
            const doc = new Document.Document(undefined, opts);
            if (this.atDirectives)
                this.onError(endOffset, 'MISSING_CHAR', 'Missing directives-end indicator line');
            doc.range = [0, endOffset, endOffset];
            this.decorate(doc, false);
            yield doc;
        }
    }
}

exports.Composer = Composer;


/***/ }),

/***/ 7103:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilFlowIndentCheck = __nccwpck_require__(4051);
var utilMapIncludes = __nccwpck_require__(1187);

const startColMsg = 'All mapping items must start at the same column';
function resolveBlockMap({ composeNode, composeEmptyNode }, ctx, bm, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLMap.YAMLMap;
    const map = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    let offset = bm.offset;
    let commentEnd = null;
    for (const collItem of bm.items) {
        const { start, key, sep, value } = collItem;
        // key properties
        const keyProps = resolveProps.resolveProps(start, {
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: bm.indent,
            startOnNewline: true
        });
        const implicitKey = !keyProps.found;
        if (implicitKey) {
            if (key) {
                if (key.type === 'block-seq')
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'A block sequence may not be used as an implicit map key');
                else if ('indent' in key && key.indent !== bm.indent)
                    onError(offset, 'BAD_INDENT', startColMsg);
            }
            if (!keyProps.anchor && !keyProps.tag && !sep) {
                commentEnd = keyProps.end;
                if (keyProps.comment) {
                    if (map.comment)
                        map.comment += '\n' + keyProps.comment;
                    else
                        map.comment = keyProps.comment;
                }
                continue;
            }
            if (keyProps.newlineAfterProp || utilContainsNewline.containsNewline(key)) {
                onError(key ?? start[start.length - 1], 'MULTILINE_IMPLICIT_KEY', 'Implicit keys need to be on a single line');
            }
        }
        else if (keyProps.found?.indent !== bm.indent) {
            onError(offset, 'BAD_INDENT', startColMsg);
        }
        // key value
        ctx.atKey = true;
        const keyStart = keyProps.end;
        const keyNode = key
            ? composeNode(ctx, key, keyProps, onError)
            : composeEmptyNode(ctx, keyStart, start, null, keyProps, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bm.indent, key, onError);
        ctx.atKey = false;
        if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
            onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
        // value properties
        const valueProps = resolveProps.resolveProps(sep ?? [], {
            indicator: 'map-value-ind',
            next: value,
            offset: keyNode.range[2],
            onError,
            parentIndent: bm.indent,
            startOnNewline: !key || key.type === 'block-scalar'
        });
        offset = valueProps.end;
        if (valueProps.found) {
            if (implicitKey) {
                if (value?.type === 'block-map' && !valueProps.hasNewline)
                    onError(offset, 'BLOCK_AS_IMPLICIT_KEY', 'Nested mappings are not allowed in compact mappings');
                if (ctx.options.strict &&
                    keyProps.start < valueProps.found.offset - 1024)
                    onError(keyNode.range, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key');
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : composeEmptyNode(ctx, offset, sep, null, valueProps, onError);
            if (ctx.schema.compat)
                utilFlowIndentCheck.flowIndentCheck(bm.indent, value, onError);
            offset = valueNode.range[2];
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
        else {
            // key with no value
            if (implicitKey)
                onError(keyNode.range, 'MISSING_CHAR', 'Implicit map keys need to be followed by map values');
            if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            map.items.push(pair);
        }
    }
    if (commentEnd && commentEnd < offset)
        onError(commentEnd, 'IMPOSSIBLE', 'Map comment with trailing content');
    map.range = [bm.offset, offset, commentEnd ?? offset];
    return map;
}

exports.resolveBlockMap = resolveBlockMap;


/***/ }),

/***/ 8913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function resolveBlockScalar(ctx, scalar, onError) {
    const start = scalar.offset;
    const header = parseBlockScalarHeader(scalar, ctx.options.strict, onError);
    if (!header)
        return { value: '', type: null, comment: '', range: [start, start, start] };
    const type = header.mode === '>' ? Scalar.Scalar.BLOCK_FOLDED : Scalar.Scalar.BLOCK_LITERAL;
    const lines = scalar.source ? splitLines(scalar.source) : [];
    // determine the end of content & start of chomping
    let chompStart = lines.length;
    for (let i = lines.length - 1; i >= 0; --i) {
        const content = lines[i][1];
        if (content === '' || content === '\r')
            chompStart = i;
        else
            break;
    }
    // shortcut for empty contents
    if (chompStart === 0) {
        const value = header.chomp === '+' && lines.length > 0
            ? '\n'.repeat(Math.max(1, lines.length - 1))
            : '';
        let end = start + header.length;
        if (scalar.source)
            end += scalar.source.length;
        return { value, type, comment: header.comment, range: [start, end, end] };
    }
    // find the indentation level to trim from start
    let trimIndent = scalar.indent + header.indent;
    let offset = scalar.offset + header.length;
    let contentStart = 0;
    for (let i = 0; i < chompStart; ++i) {
        const [indent, content] = lines[i];
        if (content === '' || content === '\r') {
            if (header.indent === 0 && indent.length > trimIndent)
                trimIndent = indent.length;
        }
        else {
            if (indent.length < trimIndent) {
                const message = 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator';
                onError(offset + indent.length, 'MISSING_CHAR', message);
            }
            if (header.indent === 0)
                trimIndent = indent.length;
            contentStart = i;
            if (trimIndent === 0 && !ctx.atRoot) {
                const message = 'Block scalar values in collections must be indented';
                onError(offset, 'BAD_INDENT', message);
            }
            break;
        }
        offset += indent.length + content.length + 1;
    }
    // include trailing more-indented empty lines in content
    for (let i = lines.length - 1; i >= chompStart; --i) {
        if (lines[i][0].length > trimIndent)
            chompStart = i + 1;
    }
    let value = '';
    let sep = '';
    let prevMoreIndented = false;
    // leading whitespace is kept intact
    for (let i = 0; i < contentStart; ++i)
        value += lines[i][0].slice(trimIndent) + '\n';
    for (let i = contentStart; i < chompStart; ++i) {
        let [indent, content] = lines[i];
        offset += indent.length + content.length + 1;
        const crlf = content[content.length - 1] === '\r';
        if (crlf)
            content = content.slice(0, -1);
        /* istanbul ignore if already caught in lexer */
        if (content && indent.length < trimIndent) {
            const src = header.indent
                ? 'explicit indentation indicator'
                : 'first line';
            const message = `Block scalar lines must not be less indented than their ${src}`;
            onError(offset - content.length - (crlf ? 2 : 1), 'BAD_INDENT', message);
            indent = '';
        }
        if (type === Scalar.Scalar.BLOCK_LITERAL) {
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
        }
        else if (indent.length > trimIndent || content[0] === '\t') {
            // more-indented content within a folded block
            if (sep === ' ')
                sep = '\n';
            else if (!prevMoreIndented && sep === '\n')
                sep = '\n\n';
            value += sep + indent.slice(trimIndent) + content;
            sep = '\n';
            prevMoreIndented = true;
        }
        else if (content === '') {
            // empty line
            if (sep === '\n')
                value += '\n';
            else
                sep = '\n';
        }
        else {
            value += sep + content;
            sep = ' ';
            prevMoreIndented = false;
        }
    }
    switch (header.chomp) {
        case '-':
            break;
        case '+':
            for (let i = chompStart; i < lines.length; ++i)
                value += '\n' + lines[i][0].slice(trimIndent);
            if (value[value.length - 1] !== '\n')
                value += '\n';
            break;
        default:
            value += '\n';
    }
    const end = start + header.length + scalar.source.length;
    return { value, type, comment: header.comment, range: [start, end, end] };
}
function parseBlockScalarHeader({ offset, props }, strict, onError) {
    /* istanbul ignore if should not happen */
    if (props[0].type !== 'block-scalar-header') {
        onError(props[0], 'IMPOSSIBLE', 'Block scalar header not found');
        return null;
    }
    const { source } = props[0];
    const mode = source[0];
    let indent = 0;
    let chomp = '';
    let error = -1;
    for (let i = 1; i < source.length; ++i) {
        const ch = source[i];
        if (!chomp && (ch === '-' || ch === '+'))
            chomp = ch;
        else {
            const n = Number(ch);
            if (!indent && n)
                indent = n;
            else if (error === -1)
                error = offset + i;
        }
    }
    if (error !== -1)
        onError(error, 'UNEXPECTED_TOKEN', `Block scalar header includes extra characters: ${source}`);
    let hasSpace = false;
    let comment = '';
    let length = source.length;
    for (let i = 1; i < props.length; ++i) {
        const token = props[i];
        switch (token.type) {
            case 'space':
                hasSpace = true;
            // fallthrough
            case 'newline':
                length += token.source.length;
                break;
            case 'comment':
                if (strict && !hasSpace) {
                    const message = 'Comments must be separated from other tokens by white space characters';
                    onError(token, 'MISSING_CHAR', message);
                }
                length += token.source.length;
                comment = token.source.substring(1);
                break;
            case 'error':
                onError(token, 'UNEXPECTED_TOKEN', token.message);
                length += token.source.length;
                break;
            /* istanbul ignore next should not happen */
            default: {
                const message = `Unexpected token in block scalar header: ${token.type}`;
                onError(token, 'UNEXPECTED_TOKEN', message);
                const ts = token.source;
                if (ts && typeof ts === 'string')
                    length += ts.length;
            }
        }
    }
    return { mode, indent, chomp, comment, length };
}
/** @returns Array of lines split up as `[indent, content]` */
function splitLines(source) {
    const split = source.split(/\n( *)/);
    const first = split[0];
    const m = first.match(/^( *)/);
    const line0 = m?.[1]
        ? [m[1], first.slice(m[1].length)]
        : ['', first];
    const lines = [line0];
    for (let i = 1; i < split.length; i += 2)
        lines.push([split[i], split[i + 1]]);
    return lines;
}

exports.resolveBlockScalar = resolveBlockScalar;


/***/ }),

/***/ 334:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var YAMLSeq = __nccwpck_require__(2223);
var resolveProps = __nccwpck_require__(4631);
var utilFlowIndentCheck = __nccwpck_require__(4051);

function resolveBlockSeq({ composeNode, composeEmptyNode }, ctx, bs, onError, tag) {
    const NodeClass = tag?.nodeClass ?? YAMLSeq.YAMLSeq;
    const seq = new NodeClass(ctx.schema);
    if (ctx.atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = bs.offset;
    let commentEnd = null;
    for (const { start, value } of bs.items) {
        const props = resolveProps.resolveProps(start, {
            indicator: 'seq-item-ind',
            next: value,
            offset,
            onError,
            parentIndent: bs.indent,
            startOnNewline: true
        });
        if (!props.found) {
            if (props.anchor || props.tag || value) {
                if (value?.type === 'block-seq')
                    onError(props.end, 'BAD_INDENT', 'All sequence items must start at the same column');
                else
                    onError(offset, 'MISSING_CHAR', 'Sequence item without - indicator');
            }
            else {
                commentEnd = props.end;
                if (props.comment)
                    seq.comment = props.comment;
                continue;
            }
        }
        const node = value
            ? composeNode(ctx, value, props, onError)
            : composeEmptyNode(ctx, props.end, start, null, props, onError);
        if (ctx.schema.compat)
            utilFlowIndentCheck.flowIndentCheck(bs.indent, value, onError);
        offset = node.range[2];
        seq.items.push(node);
    }
    seq.range = [bs.offset, offset, commentEnd ?? offset];
    return seq;
}

exports.resolveBlockSeq = resolveBlockSeq;


/***/ }),

/***/ 7788:
/***/ ((__unused_webpack_module, exports) => {



function resolveEnd(end, offset, reqSpace, onError) {
    let comment = '';
    if (end) {
        let hasSpace = false;
        let sep = '';
        for (const token of end) {
            const { source, type } = token;
            switch (type) {
                case 'space':
                    hasSpace = true;
                    break;
                case 'comment': {
                    if (reqSpace && !hasSpace)
                        onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                    const cb = source.substring(1) || ' ';
                    if (!comment)
                        comment = cb;
                    else
                        comment += sep + cb;
                    sep = '';
                    break;
                }
                case 'newline':
                    if (comment)
                        sep += source;
                    hasSpace = true;
                    break;
                default:
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${type} at node end`);
            }
            offset += source.length;
        }
    }
    return { comment, offset };
}

exports.resolveEnd = resolveEnd;


/***/ }),

/***/ 3142:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var resolveEnd = __nccwpck_require__(7788);
var resolveProps = __nccwpck_require__(4631);
var utilContainsNewline = __nccwpck_require__(9499);
var utilMapIncludes = __nccwpck_require__(1187);

const blockMsg = 'Block collections are not allowed within flow collections';
const isBlock = (token) => token && (token.type === 'block-map' || token.type === 'block-seq');
function resolveFlowCollection({ composeNode, composeEmptyNode }, ctx, fc, onError, tag) {
    const isMap = fc.start.source === '{';
    const fcName = isMap ? 'flow map' : 'flow sequence';
    const NodeClass = (tag?.nodeClass ?? (isMap ? YAMLMap.YAMLMap : YAMLSeq.YAMLSeq));
    const coll = new NodeClass(ctx.schema);
    coll.flow = true;
    const atRoot = ctx.atRoot;
    if (atRoot)
        ctx.atRoot = false;
    if (ctx.atKey)
        ctx.atKey = false;
    let offset = fc.offset + fc.start.source.length;
    for (let i = 0; i < fc.items.length; ++i) {
        const collItem = fc.items[i];
        const { start, key, sep, value } = collItem;
        const props = resolveProps.resolveProps(start, {
            flow: fcName,
            indicator: 'explicit-key-ind',
            next: key ?? sep?.[0],
            offset,
            onError,
            parentIndent: fc.indent,
            startOnNewline: false
        });
        if (!props.found) {
            if (!props.anchor && !props.tag && !sep && !value) {
                if (i === 0 && props.comma)
                    onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
                else if (i < fc.items.length - 1)
                    onError(props.start, 'UNEXPECTED_TOKEN', `Unexpected empty item in ${fcName}`);
                if (props.comment) {
                    if (coll.comment)
                        coll.comment += '\n' + props.comment;
                    else
                        coll.comment = props.comment;
                }
                offset = props.end;
                continue;
            }
            if (!isMap && ctx.options.strict && utilContainsNewline.containsNewline(key))
                onError(key, // checked by containsNewline()
                'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
        }
        if (i === 0) {
            if (props.comma)
                onError(props.comma, 'UNEXPECTED_TOKEN', `Unexpected , in ${fcName}`);
        }
        else {
            if (!props.comma)
                onError(props.start, 'MISSING_CHAR', `Missing , between ${fcName} items`);
            if (props.comment) {
                let prevItemComment = '';
                loop: for (const st of start) {
                    switch (st.type) {
                        case 'comma':
                        case 'space':
                            break;
                        case 'comment':
                            prevItemComment = st.source.substring(1);
                            break loop;
                        default:
                            break loop;
                    }
                }
                if (prevItemComment) {
                    let prev = coll.items[coll.items.length - 1];
                    if (identity.isPair(prev))
                        prev = prev.value ?? prev.key;
                    if (prev.comment)
                        prev.comment += '\n' + prevItemComment;
                    else
                        prev.comment = prevItemComment;
                    props.comment = props.comment.substring(prevItemComment.length + 1);
                }
            }
        }
        if (!isMap && !sep && !props.found) {
            // item is a value in a seq
            // → key & sep are empty, start does not include ? or :
            const valueNode = value
                ? composeNode(ctx, value, props, onError)
                : composeEmptyNode(ctx, props.end, sep, null, props, onError);
            coll.items.push(valueNode);
            offset = valueNode.range[2];
            if (isBlock(value))
                onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
        }
        else {
            // item is a key+value pair
            // key value
            ctx.atKey = true;
            const keyStart = props.end;
            const keyNode = key
                ? composeNode(ctx, key, props, onError)
                : composeEmptyNode(ctx, keyStart, start, null, props, onError);
            if (isBlock(key))
                onError(keyNode.range, 'BLOCK_IN_FLOW', blockMsg);
            ctx.atKey = false;
            // value properties
            const valueProps = resolveProps.resolveProps(sep ?? [], {
                flow: fcName,
                indicator: 'map-value-ind',
                next: value,
                offset: keyNode.range[2],
                onError,
                parentIndent: fc.indent,
                startOnNewline: false
            });
            if (valueProps.found) {
                if (!isMap && !props.found && ctx.options.strict) {
                    if (sep)
                        for (const st of sep) {
                            if (st === valueProps.found)
                                break;
                            if (st.type === 'newline') {
                                onError(st, 'MULTILINE_IMPLICIT_KEY', 'Implicit keys of flow sequence pairs need to be on a single line');
                                break;
                            }
                        }
                    if (props.start < valueProps.found.offset - 1024)
                        onError(valueProps.found, 'KEY_OVER_1024_CHARS', 'The : indicator must be at most 1024 chars after the start of an implicit flow sequence key');
                }
            }
            else if (value) {
                if ('source' in value && value.source?.[0] === ':')
                    onError(value, 'MISSING_CHAR', `Missing space after : in ${fcName}`);
                else
                    onError(valueProps.start, 'MISSING_CHAR', `Missing , or : between ${fcName} items`);
            }
            // value value
            const valueNode = value
                ? composeNode(ctx, value, valueProps, onError)
                : valueProps.found
                    ? composeEmptyNode(ctx, valueProps.end, sep, null, valueProps, onError)
                    : null;
            if (valueNode) {
                if (isBlock(value))
                    onError(valueNode.range, 'BLOCK_IN_FLOW', blockMsg);
            }
            else if (valueProps.comment) {
                if (keyNode.comment)
                    keyNode.comment += '\n' + valueProps.comment;
                else
                    keyNode.comment = valueProps.comment;
            }
            const pair = new Pair.Pair(keyNode, valueNode);
            if (ctx.options.keepSourceTokens)
                pair.srcToken = collItem;
            if (isMap) {
                const map = coll;
                if (utilMapIncludes.mapIncludes(ctx, map.items, keyNode))
                    onError(keyStart, 'DUPLICATE_KEY', 'Map keys must be unique');
                map.items.push(pair);
            }
            else {
                const map = new YAMLMap.YAMLMap(ctx.schema);
                map.flow = true;
                map.items.push(pair);
                const endRange = (valueNode ?? keyNode).range;
                map.range = [keyNode.range[0], endRange[1], endRange[2]];
                coll.items.push(map);
            }
            offset = valueNode ? valueNode.range[2] : valueProps.end;
        }
    }
    const expectedEnd = isMap ? '}' : ']';
    const [ce, ...ee] = fc.end;
    let cePos = offset;
    if (ce?.source === expectedEnd)
        cePos = ce.offset + ce.source.length;
    else {
        const name = fcName[0].toUpperCase() + fcName.substring(1);
        const msg = atRoot
            ? `${name} must end with a ${expectedEnd}`
            : `${name} in block collection must be sufficiently indented and end with a ${expectedEnd}`;
        onError(offset, atRoot ? 'MISSING_CHAR' : 'BAD_INDENT', msg);
        if (ce && ce.source.length !== 1)
            ee.unshift(ce);
    }
    if (ee.length > 0) {
        const end = resolveEnd.resolveEnd(ee, cePos, ctx.options.strict, onError);
        if (end.comment) {
            if (coll.comment)
                coll.comment += '\n' + end.comment;
            else
                coll.comment = end.comment;
        }
        coll.range = [fc.offset, cePos, end.offset];
    }
    else {
        coll.range = [fc.offset, cePos, cePos];
    }
    return coll;
}

exports.resolveFlowCollection = resolveFlowCollection;


/***/ }),

/***/ 6842:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var resolveEnd = __nccwpck_require__(7788);

function resolveFlowScalar(scalar, strict, onError) {
    const { offset, type, source, end } = scalar;
    let _type;
    let value;
    const _onError = (rel, code, msg) => onError(offset + rel, code, msg);
    switch (type) {
        case 'scalar':
            _type = Scalar.Scalar.PLAIN;
            value = plainValue(source, _onError);
            break;
        case 'single-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_SINGLE;
            value = singleQuotedValue(source, _onError);
            break;
        case 'double-quoted-scalar':
            _type = Scalar.Scalar.QUOTE_DOUBLE;
            value = doubleQuotedValue(source, _onError);
            break;
        /* istanbul ignore next should not happen */
        default:
            onError(scalar, 'UNEXPECTED_TOKEN', `Expected a flow scalar value, but found: ${type}`);
            return {
                value: '',
                type: null,
                comment: '',
                range: [offset, offset + source.length, offset + source.length]
            };
    }
    const valueEnd = offset + source.length;
    const re = resolveEnd.resolveEnd(end, valueEnd, strict, onError);
    return {
        value,
        type: _type,
        comment: re.comment,
        range: [offset, valueEnd, re.offset]
    };
}
function plainValue(source, onError) {
    let badChar = '';
    switch (source[0]) {
        /* istanbul ignore next should not happen */
        case '\t':
            badChar = 'a tab character';
            break;
        case ',':
            badChar = 'flow indicator character ,';
            break;
        case '%':
            badChar = 'directive indicator character %';
            break;
        case '|':
        case '>': {
            badChar = `block scalar indicator ${source[0]}`;
            break;
        }
        case '@':
        case '`': {
            badChar = `reserved character ${source[0]}`;
            break;
        }
    }
    if (badChar)
        onError(0, 'BAD_SCALAR_START', `Plain value cannot start with ${badChar}`);
    return unfoldLines(source);
}
function singleQuotedValue(source, onError) {
    if (source[source.length - 1] !== "'" || source.length === 1)
        onError(source.length, 'MISSING_CHAR', "Missing closing 'quote");
    return unfoldLines(source.slice(1, -1)).replace(/''/g, "'");
}
function unfoldLines(source) {
    const line = /(.*?)\r?\n/sy;
    let match = line.exec(source);
    if (!match)
        return source;
    /**
     * The negative lookbehinds in these RegExps are to
     * prevent causing a polynomial search time in certain cases.
     *
     * The try-catch is for Safari < 16.4 and other old browsers:
     * https://caniuse.com/js-regexp-lookbehind
     */
    let trimEnd, trimBoth;
    try {
        trimEnd = new RegExp('(?<![ \t])[ \t]+$');
        trimBoth = new RegExp('^[ \t]+|(?<![ \t])[ \t]+$', 'g');
    }
    catch {
        trimEnd = /[ \t]+$/;
        trimBoth = /^[ \t]+|[ \t]+$/g;
    }
    let res = match[1].replace(trimEnd, '');
    let sep = ' ';
    let pos = line.lastIndex;
    while ((match = line.exec(source))) {
        const lm = match[1].replace(trimBoth, '');
        if (lm === '') {
            if (sep === '\n')
                res += sep;
            else
                sep = '\n';
        }
        else {
            res += sep + lm;
            sep = ' ';
        }
        pos = line.lastIndex;
    }
    const last = /[ \t]*(.*)/sy;
    last.lastIndex = pos;
    match = last.exec(source);
    return res + sep + (match?.[1] ?? '');
}
function doubleQuotedValue(source, onError) {
    let res = '';
    for (let i = 1; i < source.length - 1; ++i) {
        const ch = source[i];
        if (ch === '\r' && source[i + 1] === '\n')
            continue;
        if (ch === '\n') {
            const { fold, offset } = foldNewline(source, i);
            res += fold;
            i = offset;
        }
        else if (ch === '\\') {
            let next = source[++i];
            const cc = escapeCodes[next];
            if (cc)
                res += cc;
            else if (next === '\n') {
                // skip escaped newlines, but still trim the following line
                next = source[i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === '\r' && source[i + 1] === '\n') {
                // skip escaped CRLF newlines, but still trim the following line
                next = source[++i + 1];
                while (next === ' ' || next === '\t')
                    next = source[++i + 1];
            }
            else if (next === 'x' || next === 'u' || next === 'U') {
                const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
                res += parseCharCode(source, i + 1, length, onError);
                i += length;
            }
            else {
                const raw = source.substr(i - 1, 2);
                onError(i - 1, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
                res += raw;
            }
        }
        else if (ch === ' ' || ch === '\t') {
            // trim trailing whitespace
            const wsStart = i;
            let next = source[i + 1];
            while (next === ' ' || next === '\t')
                next = source[++i + 1];
            if (next !== '\n' && !(next === '\r' && source[i + 2] === '\n'))
                res += i > wsStart ? source.slice(wsStart, i + 1) : ch;
        }
        else {
            res += ch;
        }
    }
    if (source[source.length - 1] !== '"' || source.length === 1)
        onError(source.length, 'MISSING_CHAR', 'Missing closing "quote');
    return res;
}
/**
 * Fold a single newline into a space, multiple newlines to N - 1 newlines.
 * Presumes `source[offset] === '\n'`
 */
function foldNewline(source, offset) {
    let fold = '';
    let ch = source[offset + 1];
    while (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
        if (ch === '\r' && source[offset + 2] !== '\n')
            break;
        if (ch === '\n')
            fold += '\n';
        offset += 1;
        ch = source[offset + 1];
    }
    if (!fold)
        fold = ' ';
    return { fold, offset };
}
const escapeCodes = {
    '0': '\0', // null character
    a: '\x07', // bell character
    b: '\b', // backspace
    e: '\x1b', // escape character
    f: '\f', // form feed
    n: '\n', // line feed
    r: '\r', // carriage return
    t: '\t', // horizontal tab
    v: '\v', // vertical tab
    N: '\u0085', // Unicode next line
    _: '\u00a0', // Unicode non-breaking space
    L: '\u2028', // Unicode line separator
    P: '\u2029', // Unicode paragraph separator
    ' ': ' ',
    '"': '"',
    '/': '/',
    '\\': '\\',
    '\t': '\t'
};
function parseCharCode(source, offset, length, onError) {
    const cc = source.substr(offset, length);
    const ok = cc.length === length && /^[0-9a-fA-F]+$/.test(cc);
    const code = ok ? parseInt(cc, 16) : NaN;
    try {
        return String.fromCodePoint(code);
    }
    catch {
        const raw = source.substr(offset - 2, length + 2);
        onError(offset - 2, 'BAD_DQ_ESCAPE', `Invalid escape sequence ${raw}`);
        return raw;
    }
}

exports.resolveFlowScalar = resolveFlowScalar;


/***/ }),

/***/ 4631:
/***/ ((__unused_webpack_module, exports) => {



function resolveProps(tokens, { flow, indicator, next, offset, onError, parentIndent, startOnNewline }) {
    let spaceBefore = false;
    let atNewline = startOnNewline;
    let hasSpace = startOnNewline;
    let comment = '';
    let commentSep = '';
    let hasNewline = false;
    let reqSpace = false;
    let tab = null;
    let anchor = null;
    let tag = null;
    let newlineAfterProp = null;
    let comma = null;
    let found = null;
    let start = null;
    for (const token of tokens) {
        if (reqSpace) {
            if (token.type !== 'space' &&
                token.type !== 'newline' &&
                token.type !== 'comma')
                onError(token.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
            reqSpace = false;
        }
        if (tab) {
            if (atNewline && token.type !== 'comment' && token.type !== 'newline') {
                onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
            }
            tab = null;
        }
        switch (token.type) {
            case 'space':
                // At the doc level, tabs at line start may be parsed
                // as leading white space rather than indentation.
                // In a flow collection, only the parser handles indent.
                if (!flow &&
                    (indicator !== 'doc-start' || next?.type !== 'flow-collection') &&
                    token.source.includes('\t')) {
                    tab = token;
                }
                hasSpace = true;
                break;
            case 'comment': {
                if (!hasSpace)
                    onError(token, 'MISSING_CHAR', 'Comments must be separated from other tokens by white space characters');
                const cb = token.source.substring(1) || ' ';
                if (!comment)
                    comment = cb;
                else
                    comment += commentSep + cb;
                commentSep = '';
                atNewline = false;
                break;
            }
            case 'newline':
                if (atNewline) {
                    if (comment)
                        comment += token.source;
                    else if (!found || indicator !== 'seq-item-ind')
                        spaceBefore = true;
                }
                else
                    commentSep += token.source;
                atNewline = true;
                hasNewline = true;
                if (anchor || tag)
                    newlineAfterProp = token;
                hasSpace = true;
                break;
            case 'anchor':
                if (anchor)
                    onError(token, 'MULTIPLE_ANCHORS', 'A node can have at most one anchor');
                if (token.source.endsWith(':'))
                    onError(token.offset + token.source.length - 1, 'BAD_ALIAS', 'Anchor ending in : is ambiguous', true);
                anchor = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            case 'tag': {
                if (tag)
                    onError(token, 'MULTIPLE_TAGS', 'A node can have at most one tag');
                tag = token;
                start ?? (start = token.offset);
                atNewline = false;
                hasSpace = false;
                reqSpace = true;
                break;
            }
            case indicator:
                // Could here handle preceding comments differently
                if (anchor || tag)
                    onError(token, 'BAD_PROP_ORDER', `Anchors and tags must be after the ${token.source} indicator`);
                if (found)
                    onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.source} in ${flow ?? 'collection'}`);
                found = token;
                atNewline =
                    indicator === 'seq-item-ind' || indicator === 'explicit-key-ind';
                hasSpace = false;
                break;
            case 'comma':
                if (flow) {
                    if (comma)
                        onError(token, 'UNEXPECTED_TOKEN', `Unexpected , in ${flow}`);
                    comma = token;
                    atNewline = false;
                    hasSpace = false;
                    break;
                }
            // else fallthrough
            default:
                onError(token, 'UNEXPECTED_TOKEN', `Unexpected ${token.type} token`);
                atNewline = false;
                hasSpace = false;
        }
    }
    const last = tokens[tokens.length - 1];
    const end = last ? last.offset + last.source.length : offset;
    if (reqSpace &&
        next &&
        next.type !== 'space' &&
        next.type !== 'newline' &&
        next.type !== 'comma' &&
        (next.type !== 'scalar' || next.source !== '')) {
        onError(next.offset, 'MISSING_CHAR', 'Tags and anchors must be separated from the next token by white space');
    }
    if (tab &&
        ((atNewline && tab.indent <= parentIndent) ||
            next?.type === 'block-map' ||
            next?.type === 'block-seq'))
        onError(tab, 'TAB_AS_INDENT', 'Tabs are not allowed as indentation');
    return {
        comma,
        found,
        spaceBefore,
        comment,
        hasNewline,
        anchor,
        tag,
        newlineAfterProp,
        end,
        start: start ?? end
    };
}

exports.resolveProps = resolveProps;


/***/ }),

/***/ 9499:
/***/ ((__unused_webpack_module, exports) => {



function containsNewline(key) {
    if (!key)
        return null;
    switch (key.type) {
        case 'alias':
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            if (key.source.includes('\n'))
                return true;
            if (key.end)
                for (const st of key.end)
                    if (st.type === 'newline')
                        return true;
            return false;
        case 'flow-collection':
            for (const it of key.items) {
                for (const st of it.start)
                    if (st.type === 'newline')
                        return true;
                if (it.sep)
                    for (const st of it.sep)
                        if (st.type === 'newline')
                            return true;
                if (containsNewline(it.key) || containsNewline(it.value))
                    return true;
            }
            return false;
        default:
            return true;
    }
}

exports.containsNewline = containsNewline;


/***/ }),

/***/ 2599:
/***/ ((__unused_webpack_module, exports) => {



function emptyScalarPosition(offset, before, pos) {
    if (before) {
        pos ?? (pos = before.length);
        for (let i = pos - 1; i >= 0; --i) {
            let st = before[i];
            switch (st.type) {
                case 'space':
                case 'comment':
                case 'newline':
                    offset -= st.source.length;
                    continue;
            }
            // Technically, an empty scalar is immediately after the last non-empty
            // node, but it's more useful to place it after any whitespace.
            st = before[++i];
            while (st?.type === 'space') {
                offset += st.source.length;
                st = before[++i];
            }
            break;
        }
    }
    return offset;
}

exports.emptyScalarPosition = emptyScalarPosition;


/***/ }),

/***/ 4051:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var utilContainsNewline = __nccwpck_require__(9499);

function flowIndentCheck(indent, fc, onError) {
    if (fc?.type === 'flow-collection') {
        const end = fc.end[0];
        if (end.indent === indent &&
            (end.source === ']' || end.source === '}') &&
            utilContainsNewline.containsNewline(fc)) {
            const msg = 'Flow end indicator should be more indented than parent';
            onError(end, 'BAD_INDENT', msg, true);
        }
    }
}

exports.flowIndentCheck = flowIndentCheck;


/***/ }),

/***/ 1187:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

function mapIncludes(ctx, items, search) {
    const { uniqueKeys } = ctx.options;
    if (uniqueKeys === false)
        return false;
    const isEqual = typeof uniqueKeys === 'function'
        ? uniqueKeys
        : (a, b) => a === b || (identity.isScalar(a) && identity.isScalar(b) && a.value === b.value);
    return items.some(pair => isEqual(pair.key, search));
}

exports.mapIncludes = mapIncludes;


/***/ }),

/***/ 3021:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var toJS = __nccwpck_require__(4043);
var Schema = __nccwpck_require__(5840);
var stringifyDocument = __nccwpck_require__(6829);
var anchors = __nccwpck_require__(1596);
var applyReviver = __nccwpck_require__(3661);
var createNode = __nccwpck_require__(2404);
var directives = __nccwpck_require__(1342);

class Document {
    constructor(value, replacer, options) {
        /** A comment before this Document */
        this.commentBefore = null;
        /** A comment immediately after this Document */
        this.comment = null;
        /** Errors encountered during parsing. */
        this.errors = [];
        /** Warnings encountered during parsing. */
        this.warnings = [];
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.DOC });
        let _replacer = null;
        if (typeof replacer === 'function' || Array.isArray(replacer)) {
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const opt = Object.assign({
            intAsBigInt: false,
            keepSourceTokens: false,
            logLevel: 'warn',
            prettyErrors: true,
            strict: true,
            stringKeys: false,
            uniqueKeys: true,
            version: '1.2'
        }, options);
        this.options = opt;
        let { version } = opt;
        if (options?._directives) {
            this.directives = options._directives.atDocument();
            if (this.directives.yaml.explicit)
                version = this.directives.yaml.version;
        }
        else
            this.directives = new directives.Directives({ version });
        this.setSchema(version, options);
        // @ts-expect-error We can't really know that this matches Contents.
        this.contents =
            value === undefined ? null : this.createNode(value, _replacer, options);
    }
    /**
     * Create a deep copy of this Document and its contents.
     *
     * Custom Node values that inherit from `Object` still refer to their original instances.
     */
    clone() {
        const copy = Object.create(Document.prototype, {
            [identity.NODE_TYPE]: { value: identity.DOC }
        });
        copy.commentBefore = this.commentBefore;
        copy.comment = this.comment;
        copy.errors = this.errors.slice();
        copy.warnings = this.warnings.slice();
        copy.options = Object.assign({}, this.options);
        if (this.directives)
            copy.directives = this.directives.clone();
        copy.schema = this.schema.clone();
        // @ts-expect-error We can't really know that this matches Contents.
        copy.contents = identity.isNode(this.contents)
            ? this.contents.clone(copy.schema)
            : this.contents;
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** Adds a value to the document. */
    add(value) {
        if (assertCollection(this.contents))
            this.contents.add(value);
    }
    /** Adds a value to the document. */
    addIn(path, value) {
        if (assertCollection(this.contents))
            this.contents.addIn(path, value);
    }
    /**
     * Create a new `Alias` node, ensuring that the target `node` has the required anchor.
     *
     * If `node` already has an anchor, `name` is ignored.
     * Otherwise, the `node.anchor` value will be set to `name`,
     * or if an anchor with that name is already present in the document,
     * `name` will be used as a prefix for a new unique anchor.
     * If `name` is undefined, the generated anchor will use 'a' as a prefix.
     */
    createAlias(node, name) {
        if (!node.anchor) {
            const prev = anchors.anchorNames(this);
            node.anchor =
                // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
                !name || prev.has(name) ? anchors.findNewAnchor(name || 'a', prev) : name;
        }
        return new Alias.Alias(node.anchor);
    }
    createNode(value, replacer, options) {
        let _replacer = undefined;
        if (typeof replacer === 'function') {
            value = replacer.call({ '': value }, '', value);
            _replacer = replacer;
        }
        else if (Array.isArray(replacer)) {
            const keyToStr = (v) => typeof v === 'number' || v instanceof String || v instanceof Number;
            const asStr = replacer.filter(keyToStr).map(String);
            if (asStr.length > 0)
                replacer = replacer.concat(asStr);
            _replacer = replacer;
        }
        else if (options === undefined && replacer) {
            options = replacer;
            replacer = undefined;
        }
        const { aliasDuplicateObjects, anchorPrefix, flow, keepUndefined, onTagObj, tag } = options ?? {};
        const { onAnchor, setAnchors, sourceObjects } = anchors.createNodeAnchors(this, 
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        anchorPrefix || 'a');
        const ctx = {
            aliasDuplicateObjects: aliasDuplicateObjects ?? true,
            keepUndefined: keepUndefined ?? false,
            onAnchor,
            onTagObj,
            replacer: _replacer,
            schema: this.schema,
            sourceObjects
        };
        const node = createNode.createNode(value, tag, ctx);
        if (flow && identity.isCollection(node))
            node.flow = true;
        setAnchors();
        return node;
    }
    /**
     * Convert a key and a value into a `Pair` using the current schema,
     * recursively wrapping all values as `Scalar` or `Collection` nodes.
     */
    createPair(key, value, options = {}) {
        const k = this.createNode(key, null, options);
        const v = this.createNode(value, null, options);
        return new Pair.Pair(k, v);
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        return assertCollection(this.contents) ? this.contents.delete(key) : false;
    }
    /**
     * Removes a value from the document.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        if (Collection.isEmptyPath(path)) {
            if (this.contents == null)
                return false;
            // @ts-expect-error Presumed impossible if Strict extends false
            this.contents = null;
            return true;
        }
        return assertCollection(this.contents)
            ? this.contents.deleteIn(path)
            : false;
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    get(key, keepScalar) {
        return identity.isCollection(this.contents)
            ? this.contents.get(key, keepScalar)
            : undefined;
    }
    /**
     * Returns item at `path`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        if (Collection.isEmptyPath(path))
            return !keepScalar && identity.isScalar(this.contents)
                ? this.contents.value
                : this.contents;
        return identity.isCollection(this.contents)
            ? this.contents.getIn(path, keepScalar)
            : undefined;
    }
    /**
     * Checks if the document includes a value with the key `key`.
     */
    has(key) {
        return identity.isCollection(this.contents) ? this.contents.has(key) : false;
    }
    /**
     * Checks if the document includes a value at `path`.
     */
    hasIn(path) {
        if (Collection.isEmptyPath(path))
            return this.contents !== undefined;
        return identity.isCollection(this.contents) ? this.contents.hasIn(path) : false;
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    set(key, value) {
        if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, [key], value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.set(key, value);
        }
    }
    /**
     * Sets a value in this document. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        if (Collection.isEmptyPath(path)) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = value;
        }
        else if (this.contents == null) {
            // @ts-expect-error We can't really know that this matches Contents.
            this.contents = Collection.collectionFromPath(this.schema, Array.from(path), value);
        }
        else if (assertCollection(this.contents)) {
            this.contents.setIn(path, value);
        }
    }
    /**
     * Change the YAML version and schema used by the document.
     * A `null` version disables support for directives, explicit tags, anchors, and aliases.
     * It also requires the `schema` option to be given as a `Schema` instance value.
     *
     * Overrides all previously set schema options.
     */
    setSchema(version, options = {}) {
        if (typeof version === 'number')
            version = String(version);
        let opt;
        switch (version) {
            case '1.1':
                if (this.directives)
                    this.directives.yaml.version = '1.1';
                else
                    this.directives = new directives.Directives({ version: '1.1' });
                opt = { resolveKnownTags: false, schema: 'yaml-1.1' };
                break;
            case '1.2':
            case 'next':
                if (this.directives)
                    this.directives.yaml.version = version;
                else
                    this.directives = new directives.Directives({ version });
                opt = { resolveKnownTags: true, schema: 'core' };
                break;
            case null:
                if (this.directives)
                    delete this.directives;
                opt = null;
                break;
            default: {
                const sv = JSON.stringify(version);
                throw new Error(`Expected '1.1', '1.2' or null as first argument, but found: ${sv}`);
            }
        }
        // Not using `instanceof Schema` to allow for duck typing
        if (options.schema instanceof Object)
            this.schema = options.schema;
        else if (opt)
            this.schema = new Schema.Schema(Object.assign(opt, options));
        else
            throw new Error(`With a null YAML version, the { schema: Schema } option is required`);
    }
    // json & jsonArg are only used from toJSON()
    toJS({ json, jsonArg, mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        const ctx = {
            anchors: new Map(),
            doc: this,
            keep: !json,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this.contents, jsonArg ?? '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
    /**
     * A JSON representation of the document `contents`.
     *
     * @param jsonArg Used by `JSON.stringify` to indicate the array index or
     *   property name.
     */
    toJSON(jsonArg, onAnchor) {
        return this.toJS({ json: true, jsonArg, mapAsMap: false, onAnchor });
    }
    /** A YAML representation of the document. */
    toString(options = {}) {
        if (this.errors.length > 0)
            throw new Error('Document with errors cannot be stringified');
        if ('indent' in options &&
            (!Number.isInteger(options.indent) || Number(options.indent) <= 0)) {
            const s = JSON.stringify(options.indent);
            throw new Error(`"indent" option must be a positive integer, not ${s}`);
        }
        return stringifyDocument.stringifyDocument(this, options);
    }
}
function assertCollection(contents) {
    if (identity.isCollection(contents))
        return true;
    throw new Error('Expected a YAML collection as document contents');
}

exports.Document = Document;


/***/ }),

/***/ 1596:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

/**
 * Verify that the input string is a valid anchor.
 *
 * Will throw on errors.
 */
function anchorIsValid(anchor) {
    if (/[\x00-\x19\s,[\]{}]/.test(anchor)) {
        const sa = JSON.stringify(anchor);
        const msg = `Anchor must not contain whitespace or control characters: ${sa}`;
        throw new Error(msg);
    }
    return true;
}
function anchorNames(root) {
    const anchors = new Set();
    visit.visit(root, {
        Value(_key, node) {
            if (node.anchor)
                anchors.add(node.anchor);
        }
    });
    return anchors;
}
/** Find a new anchor name with the given `prefix` and a one-indexed suffix. */
function findNewAnchor(prefix, exclude) {
    for (let i = 1; true; ++i) {
        const name = `${prefix}${i}`;
        if (!exclude.has(name))
            return name;
    }
}
function createNodeAnchors(doc, prefix) {
    const aliasObjects = [];
    const sourceObjects = new Map();
    let prevAnchors = null;
    return {
        onAnchor: (source) => {
            aliasObjects.push(source);
            prevAnchors ?? (prevAnchors = anchorNames(doc));
            const anchor = findNewAnchor(prefix, prevAnchors);
            prevAnchors.add(anchor);
            return anchor;
        },
        /**
         * With circular references, the source node is only resolved after all
         * of its child nodes are. This is why anchors are set only after all of
         * the nodes have been created.
         */
        setAnchors: () => {
            for (const source of aliasObjects) {
                const ref = sourceObjects.get(source);
                if (typeof ref === 'object' &&
                    ref.anchor &&
                    (identity.isScalar(ref.node) || identity.isCollection(ref.node))) {
                    ref.node.anchor = ref.anchor;
                }
                else {
                    const error = new Error('Failed to resolve repeated object (this should not happen)');
                    error.source = source;
                    throw error;
                }
            }
        },
        sourceObjects
    };
}

exports.anchorIsValid = anchorIsValid;
exports.anchorNames = anchorNames;
exports.createNodeAnchors = createNodeAnchors;
exports.findNewAnchor = findNewAnchor;


/***/ }),

/***/ 3661:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Applies the JSON.parse reviver algorithm as defined in the ECMA-262 spec,
 * in section 24.5.1.1 "Runtime Semantics: InternalizeJSONProperty" of the
 * 2021 edition: https://tc39.es/ecma262/#sec-json.parse
 *
 * Includes extensions for handling Map and Set objects.
 */
function applyReviver(reviver, obj, key, val) {
    if (val && typeof val === 'object') {
        if (Array.isArray(val)) {
            for (let i = 0, len = val.length; i < len; ++i) {
                const v0 = val[i];
                const v1 = applyReviver(reviver, val, String(i), v0);
                // eslint-disable-next-line @typescript-eslint/no-array-delete
                if (v1 === undefined)
                    delete val[i];
                else if (v1 !== v0)
                    val[i] = v1;
            }
        }
        else if (val instanceof Map) {
            for (const k of Array.from(val.keys())) {
                const v0 = val.get(k);
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    val.delete(k);
                else if (v1 !== v0)
                    val.set(k, v1);
            }
        }
        else if (val instanceof Set) {
            for (const v0 of Array.from(val)) {
                const v1 = applyReviver(reviver, val, v0, v0);
                if (v1 === undefined)
                    val.delete(v0);
                else if (v1 !== v0) {
                    val.delete(v0);
                    val.add(v1);
                }
            }
        }
        else {
            for (const [k, v0] of Object.entries(val)) {
                const v1 = applyReviver(reviver, val, k, v0);
                if (v1 === undefined)
                    delete val[k];
                else if (v1 !== v0)
                    val[k] = v1;
            }
        }
    }
    return reviver.call(obj, key, val);
}

exports.applyReviver = applyReviver;


/***/ }),

/***/ 2404:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

const defaultTagPrefix = 'tag:yaml.org,2002:';
function findTagObject(value, tagName, tags) {
    if (tagName) {
        const match = tags.filter(t => t.tag === tagName);
        const tagObj = match.find(t => !t.format) ?? match[0];
        if (!tagObj)
            throw new Error(`Tag ${tagName} not found`);
        return tagObj;
    }
    return tags.find(t => t.identify?.(value) && !t.format);
}
function createNode(value, tagName, ctx) {
    if (identity.isDocument(value))
        value = value.contents;
    if (identity.isNode(value))
        return value;
    if (identity.isPair(value)) {
        const map = ctx.schema[identity.MAP].createNode?.(ctx.schema, null, ctx);
        map.items.push(value);
        return map;
    }
    if (value instanceof String ||
        value instanceof Number ||
        value instanceof Boolean ||
        (typeof BigInt !== 'undefined' && value instanceof BigInt) // not supported everywhere
    ) {
        // https://tc39.es/ecma262/#sec-serializejsonproperty
        value = value.valueOf();
    }
    const { aliasDuplicateObjects, onAnchor, onTagObj, schema, sourceObjects } = ctx;
    // Detect duplicate references to the same object & use Alias nodes for all
    // after first. The `ref` wrapper allows for circular references to resolve.
    let ref = undefined;
    if (aliasDuplicateObjects && value && typeof value === 'object') {
        ref = sourceObjects.get(value);
        if (ref) {
            ref.anchor ?? (ref.anchor = onAnchor(value));
            return new Alias.Alias(ref.anchor);
        }
        else {
            ref = { anchor: null, node: null };
            sourceObjects.set(value, ref);
        }
    }
    if (tagName?.startsWith('!!'))
        tagName = defaultTagPrefix + tagName.slice(2);
    let tagObj = findTagObject(value, tagName, schema.tags);
    if (!tagObj) {
        if (value && typeof value.toJSON === 'function') {
            // eslint-disable-next-line @typescript-eslint/no-unsafe-call
            value = value.toJSON();
        }
        if (!value || typeof value !== 'object') {
            const node = new Scalar.Scalar(value);
            if (ref)
                ref.node = node;
            return node;
        }
        tagObj =
            value instanceof Map
                ? schema[identity.MAP]
                : Symbol.iterator in Object(value)
                    ? schema[identity.SEQ]
                    : schema[identity.MAP];
    }
    if (onTagObj) {
        onTagObj(tagObj);
        delete ctx.onTagObj;
    }
    const node = tagObj?.createNode
        ? tagObj.createNode(ctx.schema, value, ctx)
        : typeof tagObj?.nodeClass?.from === 'function'
            ? tagObj.nodeClass.from(ctx.schema, value, ctx)
            : new Scalar.Scalar(value);
    if (tagName)
        node.tag = tagName;
    else if (!tagObj.default)
        node.tag = tagObj.tag;
    if (ref)
        ref.node = node;
    return node;
}

exports.createNode = createNode;


/***/ }),

/***/ 1342:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var visit = __nccwpck_require__(204);

const escapeChars = {
    '!': '%21',
    ',': '%2C',
    '[': '%5B',
    ']': '%5D',
    '{': '%7B',
    '}': '%7D'
};
const escapeTagName = (tn) => tn.replace(/[!,[\]{}]/g, ch => escapeChars[ch]);
class Directives {
    constructor(yaml, tags) {
        /**
         * The directives-end/doc-start marker `---`. If `null`, a marker may still be
         * included in the document's stringified representation.
         */
        this.docStart = null;
        /** The doc-end marker `...`.  */
        this.docEnd = false;
        this.yaml = Object.assign({}, Directives.defaultYaml, yaml);
        this.tags = Object.assign({}, Directives.defaultTags, tags);
    }
    clone() {
        const copy = new Directives(this.yaml, this.tags);
        copy.docStart = this.docStart;
        return copy;
    }
    /**
     * During parsing, get a Directives instance for the current document and
     * update the stream state according to the current version's spec.
     */
    atDocument() {
        const res = new Directives(this.yaml, this.tags);
        switch (this.yaml.version) {
            case '1.1':
                this.atNextDocument = true;
                break;
            case '1.2':
                this.atNextDocument = false;
                this.yaml = {
                    explicit: Directives.defaultYaml.explicit,
                    version: '1.2'
                };
                this.tags = Object.assign({}, Directives.defaultTags);
                break;
        }
        return res;
    }
    /**
     * @param onError - May be called even if the action was successful
     * @returns `true` on success
     */
    add(line, onError) {
        if (this.atNextDocument) {
            this.yaml = { explicit: Directives.defaultYaml.explicit, version: '1.1' };
            this.tags = Object.assign({}, Directives.defaultTags);
            this.atNextDocument = false;
        }
        const parts = line.trim().split(/[ \t]+/);
        const name = parts.shift();
        switch (name) {
            case '%TAG': {
                if (parts.length !== 2) {
                    onError(0, '%TAG directive should contain exactly two parts');
                    if (parts.length < 2)
                        return false;
                }
                const [handle, prefix] = parts;
                this.tags[handle] = prefix;
                return true;
            }
            case '%YAML': {
                this.yaml.explicit = true;
                if (parts.length !== 1) {
                    onError(0, '%YAML directive should contain exactly one part');
                    return false;
                }
                const [version] = parts;
                if (version === '1.1' || version === '1.2') {
                    this.yaml.version = version;
                    return true;
                }
                else {
                    const isValid = /^\d+\.\d+$/.test(version);
                    onError(6, `Unsupported YAML version ${version}`, isValid);
                    return false;
                }
            }
            default:
                onError(0, `Unknown directive ${name}`, true);
                return false;
        }
    }
    /**
     * Resolves a tag, matching handles to those defined in %TAG directives.
     *
     * @returns Resolved tag, which may also be the non-specific tag `'!'` or a
     *   `'!local'` tag, or `null` if unresolvable.
     */
    tagName(source, onError) {
        if (source === '!')
            return '!'; // non-specific tag
        if (source[0] !== '!') {
            onError(`Not a valid tag: ${source}`);
            return null;
        }
        if (source[1] === '<') {
            const verbatim = source.slice(2, -1);
            if (verbatim === '!' || verbatim === '!!') {
                onError(`Verbatim tags aren't resolved, so ${source} is invalid.`);
                return null;
            }
            if (source[source.length - 1] !== '>')
                onError('Verbatim tags must end with a >');
            return verbatim;
        }
        const [, handle, suffix] = source.match(/^(.*!)([^!]*)$/s);
        if (!suffix)
            onError(`The ${source} tag has no suffix`);
        const prefix = this.tags[handle];
        if (prefix) {
            try {
                return prefix + decodeURIComponent(suffix);
            }
            catch (error) {
                onError(String(error));
                return null;
            }
        }
        if (handle === '!')
            return source; // local tag
        onError(`Could not resolve tag: ${source}`);
        return null;
    }
    /**
     * Given a fully resolved tag, returns its printable string form,
     * taking into account current tag prefixes and defaults.
     */
    tagString(tag) {
        for (const [handle, prefix] of Object.entries(this.tags)) {
            if (tag.startsWith(prefix))
                return handle + escapeTagName(tag.substring(prefix.length));
        }
        return tag[0] === '!' ? tag : `!<${tag}>`;
    }
    toString(doc) {
        const lines = this.yaml.explicit
            ? [`%YAML ${this.yaml.version || '1.2'}`]
            : [];
        const tagEntries = Object.entries(this.tags);
        let tagNames;
        if (doc && tagEntries.length > 0 && identity.isNode(doc.contents)) {
            const tags = {};
            visit.visit(doc.contents, (_key, node) => {
                if (identity.isNode(node) && node.tag)
                    tags[node.tag] = true;
            });
            tagNames = Object.keys(tags);
        }
        else
            tagNames = [];
        for (const [handle, prefix] of tagEntries) {
            if (handle === '!!' && prefix === 'tag:yaml.org,2002:')
                continue;
            if (!doc || tagNames.some(tn => tn.startsWith(prefix)))
                lines.push(`%TAG ${handle} ${prefix}`);
        }
        return lines.join('\n');
    }
}
Directives.defaultYaml = { explicit: false, version: '1.2' };
Directives.defaultTags = { '!!': 'tag:yaml.org,2002:' };

exports.Directives = Directives;


/***/ }),

/***/ 1464:
/***/ ((__unused_webpack_module, exports) => {



class YAMLError extends Error {
    constructor(name, pos, code, message) {
        super();
        this.name = name;
        this.code = code;
        this.message = message;
        this.pos = pos;
    }
}
class YAMLParseError extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLParseError', pos, code, message);
    }
}
class YAMLWarning extends YAMLError {
    constructor(pos, code, message) {
        super('YAMLWarning', pos, code, message);
    }
}
const prettifyError = (src, lc) => (error) => {
    if (error.pos[0] === -1)
        return;
    error.linePos = error.pos.map(pos => lc.linePos(pos));
    const { line, col } = error.linePos[0];
    error.message += ` at line ${line}, column ${col}`;
    let ci = col - 1;
    let lineStr = src
        .substring(lc.lineStarts[line - 1], lc.lineStarts[line])
        .replace(/[\n\r]+$/, '');
    // Trim to max 80 chars, keeping col position near the middle
    if (ci >= 60 && lineStr.length > 80) {
        const trimStart = Math.min(ci - 39, lineStr.length - 79);
        lineStr = '…' + lineStr.substring(trimStart);
        ci -= trimStart - 1;
    }
    if (lineStr.length > 80)
        lineStr = lineStr.substring(0, 79) + '…';
    // Include previous line in context if pointing at line start
    if (line > 1 && /^ *$/.test(lineStr.substring(0, ci))) {
        // Regexp won't match if start is trimmed
        let prev = src.substring(lc.lineStarts[line - 2], lc.lineStarts[line - 1]);
        if (prev.length > 80)
            prev = prev.substring(0, 79) + '…\n';
        lineStr = prev + lineStr;
    }
    if (/[^ ]/.test(lineStr)) {
        let count = 1;
        const end = error.linePos[1];
        if (end?.line === line && end.col > col) {
            count = Math.max(1, Math.min(end.col - col, 80 - ci));
        }
        const pointer = ' '.repeat(ci) + '^'.repeat(count);
        error.message += `:\n\n${lineStr}\n${pointer}\n`;
    }
};

exports.YAMLError = YAMLError;
exports.YAMLParseError = YAMLParseError;
exports.YAMLWarning = YAMLWarning;
exports.prettifyError = prettifyError;


/***/ }),

/***/ 8815:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;


var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var Schema = __nccwpck_require__(5840);
var errors = __nccwpck_require__(1464);
var Alias = __nccwpck_require__(4065);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);
var publicApi = __nccwpck_require__(4047);
var visit = __nccwpck_require__(204);



__webpack_unused_export__ = composer.Composer;
__webpack_unused_export__ = Document.Document;
__webpack_unused_export__ = Schema.Schema;
__webpack_unused_export__ = errors.YAMLError;
__webpack_unused_export__ = errors.YAMLParseError;
__webpack_unused_export__ = errors.YAMLWarning;
__webpack_unused_export__ = Alias.Alias;
exports.Vj = identity.isAlias;
__webpack_unused_export__ = identity.isCollection;
__webpack_unused_export__ = identity.isDocument;
exports.jh = identity.isMap;
__webpack_unused_export__ = identity.isNode;
__webpack_unused_export__ = identity.isPair;
exports.jn = identity.isScalar;
__webpack_unused_export__ = identity.isSeq;
__webpack_unused_export__ = Pair.Pair;
__webpack_unused_export__ = Scalar.Scalar;
__webpack_unused_export__ = YAMLMap.YAMLMap;
__webpack_unused_export__ = YAMLSeq.YAMLSeq;
__webpack_unused_export__ = cst;
__webpack_unused_export__ = lexer.Lexer;
exports.HN = lineCounter.LineCounter;
__webpack_unused_export__ = parser.Parser;
exports.qg = publicApi.parse;
__webpack_unused_export__ = publicApi.parseAllDocuments;
exports.Tp = publicApi.parseDocument;
exports.As = publicApi.stringify;
exports.YR = visit.visit;
__webpack_unused_export__ = visit.visitAsync;


/***/ }),

/***/ 7249:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);

function debug(logLevel, ...messages) {
    if (logLevel === 'debug')
        console.log(...messages);
}
function warn(logLevel, warning) {
    if (logLevel === 'debug' || logLevel === 'warn') {
        if (typeof node_process.emitWarning === 'function')
            node_process.emitWarning(warning);
        else
            console.warn(warning);
    }
}

exports.debug = debug;
exports.warn = warn;


/***/ }),

/***/ 4065:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var visit = __nccwpck_require__(204);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

class Alias extends Node.NodeBase {
    constructor(source) {
        super(identity.ALIAS);
        this.source = source;
        Object.defineProperty(this, 'tag', {
            set() {
                throw new Error('Alias nodes cannot have tags');
            }
        });
    }
    /**
     * Resolve the value of this alias within `doc`, finding the last
     * instance of the `source` anchor before this node.
     */
    resolve(doc, ctx) {
        if (ctx?.maxAliasCount === 0)
            throw new ReferenceError('Alias resolution is disabled');
        let nodes;
        if (ctx?.aliasResolveCache) {
            nodes = ctx.aliasResolveCache;
        }
        else {
            nodes = [];
            visit.visit(doc, {
                Node: (_key, node) => {
                    if (identity.isAlias(node) || identity.hasAnchor(node))
                        nodes.push(node);
                }
            });
            if (ctx)
                ctx.aliasResolveCache = nodes;
        }
        let found = undefined;
        for (const node of nodes) {
            if (node === this)
                break;
            if (node.anchor === this.source)
                found = node;
        }
        if (found && ctx) {
            const { anchors, doc, maxAliasCount } = ctx;
            let data = anchors.get(found);
            if (!data) {
                // Resolve anchors for Node.prototype.toJS()
                toJS.toJS(found, null, ctx);
                data = anchors.get(found);
            }
            /* istanbul ignore if */
            if (data?.res === undefined) {
                const msg = 'This should not happen: Alias anchor was not resolved?';
                throw new ReferenceError(msg);
            }
            if (maxAliasCount >= 0) {
                data.count += 1;
                if (data.aliasCount === 0)
                    data.aliasCount = getAliasCount(doc, found, anchors);
                if (data.count * data.aliasCount > maxAliasCount) {
                    const msg = 'Excessive alias count indicates a resource exhaustion attack';
                    throw new ReferenceError(msg);
                }
            }
        }
        return found;
    }
    toJSON(_arg, ctx) {
        if (!ctx)
            return { source: this.source };
        const source = this.resolve(ctx.doc, ctx);
        if (!source) {
            const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
            throw new ReferenceError(msg);
        }
        return ctx.anchors.get(source).res;
    }
    toString(ctx, _onComment, _onChompKeep) {
        const src = `*${this.source}`;
        if (ctx) {
            anchors.anchorIsValid(this.source);
            if (ctx.options.verifyAliasOrder && !ctx.anchors.has(this.source)) {
                const msg = `Unresolved alias (the anchor must be set before the alias): ${this.source}`;
                throw new Error(msg);
            }
            if (ctx.implicitKey)
                return `${src} `;
        }
        return src;
    }
}
function getAliasCount(doc, node, anchors) {
    if (identity.isAlias(node)) {
        const source = node.resolve(doc);
        const anchor = anchors && source && anchors.get(source);
        return anchor ? anchor.count * anchor.aliasCount : 0;
    }
    else if (identity.isCollection(node)) {
        let count = 0;
        for (const item of node.items) {
            const c = getAliasCount(doc, item, anchors);
            if (c > count)
                count = c;
        }
        return count;
    }
    else if (identity.isPair(node)) {
        const kc = getAliasCount(doc, node.key, anchors);
        const vc = getAliasCount(doc, node.value, anchors);
        return Math.max(kc, vc);
    }
    return 1;
}

exports.Alias = Alias;


/***/ }),

/***/ 101:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);

function collectionFromPath(schema, path, value) {
    let v = value;
    for (let i = path.length - 1; i >= 0; --i) {
        const k = path[i];
        if (typeof k === 'number' && Number.isInteger(k) && k >= 0) {
            const a = [];
            a[k] = v;
            v = a;
        }
        else {
            v = new Map([[k, v]]);
        }
    }
    return createNode.createNode(v, undefined, {
        aliasDuplicateObjects: false,
        keepUndefined: false,
        onAnchor: () => {
            throw new Error('This should not happen, please report a bug.');
        },
        schema,
        sourceObjects: new Map()
    });
}
// Type guard is intentionally a little wrong so as to be more useful,
// as it does not cover untypable empty non-string iterables (e.g. []).
const isEmptyPath = (path) => path == null ||
    (typeof path === 'object' && !!path[Symbol.iterator]().next().done);
class Collection extends Node.NodeBase {
    constructor(type, schema) {
        super(type);
        Object.defineProperty(this, 'schema', {
            value: schema,
            configurable: true,
            enumerable: false,
            writable: true
        });
    }
    /**
     * Create a copy of this collection.
     *
     * @param schema - If defined, overwrites the original's schema
     */
    clone(schema) {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (schema)
            copy.schema = schema;
        copy.items = copy.items.map(it => identity.isNode(it) || identity.isPair(it) ? it.clone(schema) : it);
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /**
     * Adds a value to the collection. For `!!map` and `!!omap` the value must
     * be a Pair instance or a `{ key, value }` object, which may not have a key
     * that already exists in the map.
     */
    addIn(path, value) {
        if (isEmptyPath(path))
            this.add(value);
        else {
            const [key, ...rest] = path;
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.addIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
    /**
     * Removes a value from the collection.
     * @returns `true` if the item was found and removed.
     */
    deleteIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.delete(key);
        const node = this.get(key, true);
        if (identity.isCollection(node))
            return node.deleteIn(rest);
        else
            throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
    }
    /**
     * Returns item at `key`, or `undefined` if not found. By default unwraps
     * scalar values from their surrounding node; to disable set `keepScalar` to
     * `true` (collections are always returned intact).
     */
    getIn(path, keepScalar) {
        const [key, ...rest] = path;
        const node = this.get(key, true);
        if (rest.length === 0)
            return !keepScalar && identity.isScalar(node) ? node.value : node;
        else
            return identity.isCollection(node) ? node.getIn(rest, keepScalar) : undefined;
    }
    hasAllNullValues(allowScalar) {
        return this.items.every(node => {
            if (!identity.isPair(node))
                return false;
            const n = node.value;
            return (n == null ||
                (allowScalar &&
                    identity.isScalar(n) &&
                    n.value == null &&
                    !n.commentBefore &&
                    !n.comment &&
                    !n.tag));
        });
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     */
    hasIn(path) {
        const [key, ...rest] = path;
        if (rest.length === 0)
            return this.has(key);
        const node = this.get(key, true);
        return identity.isCollection(node) ? node.hasIn(rest) : false;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     */
    setIn(path, value) {
        const [key, ...rest] = path;
        if (rest.length === 0) {
            this.set(key, value);
        }
        else {
            const node = this.get(key, true);
            if (identity.isCollection(node))
                node.setIn(rest, value);
            else if (node === undefined && this.schema)
                this.set(key, collectionFromPath(this.schema, rest, value));
            else
                throw new Error(`Expected YAML collection at ${key}. Remaining path: ${rest}`);
        }
    }
}

exports.Collection = Collection;
exports.collectionFromPath = collectionFromPath;
exports.isEmptyPath = isEmptyPath;


/***/ }),

/***/ 6673:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var applyReviver = __nccwpck_require__(3661);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

class NodeBase {
    constructor(type) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: type });
    }
    /** Create a copy of this node.  */
    clone() {
        const copy = Object.create(Object.getPrototypeOf(this), Object.getOwnPropertyDescriptors(this));
        if (this.range)
            copy.range = this.range.slice();
        return copy;
    }
    /** A plain JavaScript representation of this node. */
    toJS(doc, { mapAsMap, maxAliasCount, onAnchor, reviver } = {}) {
        if (!identity.isDocument(doc))
            throw new TypeError('A document argument is required');
        const ctx = {
            anchors: new Map(),
            doc,
            keep: true,
            mapAsMap: mapAsMap === true,
            mapKeyWarned: false,
            maxAliasCount: typeof maxAliasCount === 'number' ? maxAliasCount : 100
        };
        const res = toJS.toJS(this, '', ctx);
        if (typeof onAnchor === 'function')
            for (const { count, res } of ctx.anchors.values())
                onAnchor(res, count);
        return typeof reviver === 'function'
            ? applyReviver.applyReviver(reviver, { '': res }, '', res)
            : res;
    }
}

exports.NodeBase = NodeBase;


/***/ }),

/***/ 7165:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyPair = __nccwpck_require__(9748);
var addPairToJSMap = __nccwpck_require__(7104);
var identity = __nccwpck_require__(1127);

function createPair(key, value, ctx) {
    const k = createNode.createNode(key, undefined, ctx);
    const v = createNode.createNode(value, undefined, ctx);
    return new Pair(k, v);
}
class Pair {
    constructor(key, value = null) {
        Object.defineProperty(this, identity.NODE_TYPE, { value: identity.PAIR });
        this.key = key;
        this.value = value;
    }
    clone(schema) {
        let { key, value } = this;
        if (identity.isNode(key))
            key = key.clone(schema);
        if (identity.isNode(value))
            value = value.clone(schema);
        return new Pair(key, value);
    }
    toJSON(_, ctx) {
        const pair = ctx?.mapAsMap ? new Map() : {};
        return addPairToJSMap.addPairToJSMap(ctx, pair, this);
    }
    toString(ctx, onComment, onChompKeep) {
        return ctx?.doc
            ? stringifyPair.stringifyPair(this, ctx, onComment, onChompKeep)
            : JSON.stringify(this);
    }
}

exports.Pair = Pair;
exports.createPair = createPair;


/***/ }),

/***/ 3301:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Node = __nccwpck_require__(6673);
var toJS = __nccwpck_require__(4043);

const isScalarValue = (value) => !value || (typeof value !== 'function' && typeof value !== 'object');
class Scalar extends Node.NodeBase {
    constructor(value) {
        super(identity.SCALAR);
        this.value = value;
    }
    toJSON(arg, ctx) {
        return ctx?.keep ? this.value : toJS.toJS(this.value, arg, ctx);
    }
    toString() {
        return String(this.value);
    }
}
Scalar.BLOCK_FOLDED = 'BLOCK_FOLDED';
Scalar.BLOCK_LITERAL = 'BLOCK_LITERAL';
Scalar.PLAIN = 'PLAIN';
Scalar.QUOTE_DOUBLE = 'QUOTE_DOUBLE';
Scalar.QUOTE_SINGLE = 'QUOTE_SINGLE';

exports.Scalar = Scalar;
exports.isScalarValue = isScalarValue;


/***/ }),

/***/ 4454:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyCollection = __nccwpck_require__(1212);
var addPairToJSMap = __nccwpck_require__(7104);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);

function findPair(items, key) {
    const k = identity.isScalar(key) ? key.value : key;
    for (const it of items) {
        if (identity.isPair(it)) {
            if (it.key === key || it.key === k)
                return it;
            if (identity.isScalar(it.key) && it.key.value === k)
                return it;
        }
    }
    return undefined;
}
class YAMLMap extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:map';
    }
    constructor(schema) {
        super(identity.MAP, schema);
        this.items = [];
    }
    /**
     * A generic collection parsing method that can be extended
     * to other node classes that inherit from YAMLMap
     */
    static from(schema, obj, ctx) {
        const { keepUndefined, replacer } = ctx;
        const map = new this(schema);
        const add = (key, value) => {
            if (typeof replacer === 'function')
                value = replacer.call(obj, key, value);
            else if (Array.isArray(replacer) && !replacer.includes(key))
                return;
            if (value !== undefined || keepUndefined)
                map.items.push(Pair.createPair(key, value, ctx));
        };
        if (obj instanceof Map) {
            for (const [key, value] of obj)
                add(key, value);
        }
        else if (obj && typeof obj === 'object') {
            for (const key of Object.keys(obj))
                add(key, obj[key]);
        }
        if (typeof schema.sortMapEntries === 'function') {
            map.items.sort(schema.sortMapEntries);
        }
        return map;
    }
    /**
     * Adds a value to the collection.
     *
     * @param overwrite - If not set `true`, using a key that is already in the
     *   collection will throw. Otherwise, overwrites the previous value.
     */
    add(pair, overwrite) {
        let _pair;
        if (identity.isPair(pair))
            _pair = pair;
        else if (!pair || typeof pair !== 'object' || !('key' in pair)) {
            // In TypeScript, this never happens.
            _pair = new Pair.Pair(pair, pair?.value);
        }
        else
            _pair = new Pair.Pair(pair.key, pair.value);
        const prev = findPair(this.items, _pair.key);
        const sortEntries = this.schema?.sortMapEntries;
        if (prev) {
            if (!overwrite)
                throw new Error(`Key ${_pair.key} already set`);
            // For scalars, keep the old node & its comments and anchors
            if (identity.isScalar(prev.value) && Scalar.isScalarValue(_pair.value))
                prev.value.value = _pair.value;
            else
                prev.value = _pair.value;
        }
        else if (sortEntries) {
            const i = this.items.findIndex(item => sortEntries(_pair, item) < 0);
            if (i === -1)
                this.items.push(_pair);
            else
                this.items.splice(i, 0, _pair);
        }
        else {
            this.items.push(_pair);
        }
    }
    delete(key) {
        const it = findPair(this.items, key);
        if (!it)
            return false;
        const del = this.items.splice(this.items.indexOf(it), 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const it = findPair(this.items, key);
        const node = it?.value;
        return (!keepScalar && identity.isScalar(node) ? node.value : node) ?? undefined;
    }
    has(key) {
        return !!findPair(this.items, key);
    }
    set(key, value) {
        this.add(new Pair.Pair(key, value), true);
    }
    /**
     * @param ctx - Conversion context, originally set in Document#toJS()
     * @param {Class} Type - If set, forces the returned collection type
     * @returns Instance of Type, Map, or Object
     */
    toJSON(_, ctx, Type) {
        const map = Type ? new Type() : ctx?.mapAsMap ? new Map() : {};
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const item of this.items)
            addPairToJSMap.addPairToJSMap(ctx, map, item);
        return map;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        for (const item of this.items) {
            if (!identity.isPair(item))
                throw new Error(`Map items must all be pairs; found ${JSON.stringify(item)} instead`);
        }
        if (!ctx.allNullValues && this.hasAllNullValues(false))
            ctx = Object.assign({}, ctx, { allNullValues: true });
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '',
            flowChars: { start: '{', end: '}' },
            itemIndent: ctx.indent || '',
            onChompKeep,
            onComment
        });
    }
}

exports.YAMLMap = YAMLMap;
exports.findPair = findPair;


/***/ }),

/***/ 2223:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var createNode = __nccwpck_require__(2404);
var stringifyCollection = __nccwpck_require__(1212);
var Collection = __nccwpck_require__(101);
var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var toJS = __nccwpck_require__(4043);

class YAMLSeq extends Collection.Collection {
    static get tagName() {
        return 'tag:yaml.org,2002:seq';
    }
    constructor(schema) {
        super(identity.SEQ, schema);
        this.items = [];
    }
    add(value) {
        this.items.push(value);
    }
    /**
     * Removes a value from the collection.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     *
     * @returns `true` if the item was found and removed.
     */
    delete(key) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return false;
        const del = this.items.splice(idx, 1);
        return del.length > 0;
    }
    get(key, keepScalar) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            return undefined;
        const it = this.items[idx];
        return !keepScalar && identity.isScalar(it) ? it.value : it;
    }
    /**
     * Checks if the collection includes a value with the key `key`.
     *
     * `key` must contain a representation of an integer for this to succeed.
     * It may be wrapped in a `Scalar`.
     */
    has(key) {
        const idx = asItemIndex(key);
        return typeof idx === 'number' && idx < this.items.length;
    }
    /**
     * Sets a value in this collection. For `!!set`, `value` needs to be a
     * boolean to add/remove the item from the set.
     *
     * If `key` does not contain a representation of an integer, this will throw.
     * It may be wrapped in a `Scalar`.
     */
    set(key, value) {
        const idx = asItemIndex(key);
        if (typeof idx !== 'number')
            throw new Error(`Expected a valid index, not ${key}.`);
        const prev = this.items[idx];
        if (identity.isScalar(prev) && Scalar.isScalarValue(value))
            prev.value = value;
        else
            this.items[idx] = value;
    }
    toJSON(_, ctx) {
        const seq = [];
        if (ctx?.onCreate)
            ctx.onCreate(seq);
        let i = 0;
        for (const item of this.items)
            seq.push(toJS.toJS(item, String(i++), ctx));
        return seq;
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        return stringifyCollection.stringifyCollection(this, ctx, {
            blockItemPrefix: '- ',
            flowChars: { start: '[', end: ']' },
            itemIndent: (ctx.indent || '') + '  ',
            onChompKeep,
            onComment
        });
    }
    static from(schema, obj, ctx) {
        const { replacer } = ctx;
        const seq = new this(schema);
        if (obj && Symbol.iterator in Object(obj)) {
            let i = 0;
            for (let it of obj) {
                if (typeof replacer === 'function') {
                    const key = obj instanceof Set ? it : String(i++);
                    it = replacer.call(obj, key, it);
                }
                seq.items.push(createNode.createNode(it, undefined, ctx));
            }
        }
        return seq;
    }
}
function asItemIndex(key) {
    let idx = identity.isScalar(key) ? key.value : key;
    if (idx && typeof idx === 'string')
        idx = Number(idx);
    return typeof idx === 'number' && Number.isInteger(idx) && idx >= 0
        ? idx
        : null;
}

exports.YAMLSeq = YAMLSeq;


/***/ }),

/***/ 7104:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var log = __nccwpck_require__(7249);
var merge = __nccwpck_require__(452);
var stringify = __nccwpck_require__(2148);
var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);

function addPairToJSMap(ctx, map, { key, value }) {
    if (identity.isNode(key) && key.addToJSMap)
        key.addToJSMap(ctx, map, value);
    // TODO: Should drop this special case for bare << handling
    else if (merge.isMergeKey(ctx, key))
        merge.addMergeToJSMap(ctx, map, value);
    else {
        const jsKey = toJS.toJS(key, '', ctx);
        if (map instanceof Map) {
            map.set(jsKey, toJS.toJS(value, jsKey, ctx));
        }
        else if (map instanceof Set) {
            map.add(jsKey);
        }
        else {
            const stringKey = stringifyKey(key, jsKey, ctx);
            const jsValue = toJS.toJS(value, stringKey, ctx);
            if (stringKey in map)
                Object.defineProperty(map, stringKey, {
                    value: jsValue,
                    writable: true,
                    enumerable: true,
                    configurable: true
                });
            else
                map[stringKey] = jsValue;
        }
    }
    return map;
}
function stringifyKey(key, jsKey, ctx) {
    if (jsKey === null)
        return '';
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (typeof jsKey !== 'object')
        return String(jsKey);
    if (identity.isNode(key) && ctx?.doc) {
        const strCtx = stringify.createStringifyContext(ctx.doc, {});
        strCtx.anchors = new Set();
        for (const node of ctx.anchors.keys())
            strCtx.anchors.add(node.anchor);
        strCtx.inFlow = true;
        strCtx.inStringifyKey = true;
        const strKey = key.toString(strCtx);
        if (!ctx.mapKeyWarned) {
            let jsonStr = JSON.stringify(strKey);
            if (jsonStr.length > 40)
                jsonStr = jsonStr.substring(0, 36) + '..."';
            log.warn(ctx.doc.options.logLevel, `Keys with collection values will be stringified due to JS Object restrictions: ${jsonStr}. Set mapAsMap: true to use object keys.`);
            ctx.mapKeyWarned = true;
        }
        return strKey;
    }
    return JSON.stringify(jsKey);
}

exports.addPairToJSMap = addPairToJSMap;


/***/ }),

/***/ 1127:
/***/ ((__unused_webpack_module, exports) => {



const ALIAS = Symbol.for('yaml.alias');
const DOC = Symbol.for('yaml.document');
const MAP = Symbol.for('yaml.map');
const PAIR = Symbol.for('yaml.pair');
const SCALAR = Symbol.for('yaml.scalar');
const SEQ = Symbol.for('yaml.seq');
const NODE_TYPE = Symbol.for('yaml.node.type');
const isAlias = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === ALIAS;
const isDocument = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === DOC;
const isMap = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === MAP;
const isPair = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === PAIR;
const isScalar = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SCALAR;
const isSeq = (node) => !!node && typeof node === 'object' && node[NODE_TYPE] === SEQ;
function isCollection(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case MAP:
            case SEQ:
                return true;
        }
    return false;
}
function isNode(node) {
    if (node && typeof node === 'object')
        switch (node[NODE_TYPE]) {
            case ALIAS:
            case MAP:
            case SCALAR:
            case SEQ:
                return true;
        }
    return false;
}
const hasAnchor = (node) => (isScalar(node) || isCollection(node)) && !!node.anchor;

exports.ALIAS = ALIAS;
exports.DOC = DOC;
exports.MAP = MAP;
exports.NODE_TYPE = NODE_TYPE;
exports.PAIR = PAIR;
exports.SCALAR = SCALAR;
exports.SEQ = SEQ;
exports.hasAnchor = hasAnchor;
exports.isAlias = isAlias;
exports.isCollection = isCollection;
exports.isDocument = isDocument;
exports.isMap = isMap;
exports.isNode = isNode;
exports.isPair = isPair;
exports.isScalar = isScalar;
exports.isSeq = isSeq;


/***/ }),

/***/ 4043:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

/**
 * Recursively convert any node or its contents to native JavaScript
 *
 * @param value - The input value
 * @param arg - If `value` defines a `toJSON()` method, use this
 *   as its first argument
 * @param ctx - Conversion context, originally set in Document#toJS(). If
 *   `{ keep: true }` is not set, output should be suitable for JSON
 *   stringification.
 */
function toJS(value, arg, ctx) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    if (Array.isArray(value))
        return value.map((v, i) => toJS(v, String(i), ctx));
    if (value && typeof value.toJSON === 'function') {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-call
        if (!ctx || !identity.hasAnchor(value))
            return value.toJSON(arg, ctx);
        const data = { aliasCount: 0, count: 1, res: undefined };
        ctx.anchors.set(value, data);
        ctx.onCreate = res => {
            data.res = res;
            delete ctx.onCreate;
        };
        const res = value.toJSON(arg, ctx);
        if (ctx.onCreate)
            ctx.onCreate(res);
        return res;
    }
    if (typeof value === 'bigint' && !ctx?.keep)
        return Number(value);
    return value;
}

exports.toJS = toJS;


/***/ }),

/***/ 110:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var resolveBlockScalar = __nccwpck_require__(8913);
var resolveFlowScalar = __nccwpck_require__(6842);
var errors = __nccwpck_require__(1464);
var stringifyString = __nccwpck_require__(3069);

function resolveAsScalar(token, strict = true, onError) {
    if (token) {
        const _onError = (pos, code, message) => {
            const offset = typeof pos === 'number' ? pos : Array.isArray(pos) ? pos[0] : pos.offset;
            if (onError)
                onError(offset, code, message);
            else
                throw new errors.YAMLParseError([offset, offset + 1], code, message);
        };
        switch (token.type) {
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return resolveFlowScalar.resolveFlowScalar(token, strict, _onError);
            case 'block-scalar':
                return resolveBlockScalar.resolveBlockScalar({ options: { strict } }, token, _onError);
        }
    }
    return null;
}
/**
 * Create a new scalar token with `value`
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.end Comments and whitespace after the end of the value, or after the block scalar header. If undefined, a newline will be added.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.indent The indent level of the token.
 * @param context.inFlow Is this scalar within a flow collection? This may affect the resolved type of the token's value.
 * @param context.offset The offset position of the token.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function createScalarToken(value, context) {
    const { implicitKey = false, indent, inFlow = false, offset = -1, type = 'PLAIN' } = context;
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey,
        indent: indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    const end = context.end ?? [
        { type: 'newline', offset: -1, indent, source: '\n' }
    ];
    switch (source[0]) {
        case '|':
        case '>': {
            const he = source.indexOf('\n');
            const head = source.substring(0, he);
            const body = source.substring(he + 1) + '\n';
            const props = [
                { type: 'block-scalar-header', offset, indent, source: head }
            ];
            if (!addEndtoBlockProps(props, end))
                props.push({ type: 'newline', offset: -1, indent, source: '\n' });
            return { type: 'block-scalar', offset, indent, props, source: body };
        }
        case '"':
            return { type: 'double-quoted-scalar', offset, indent, source, end };
        case "'":
            return { type: 'single-quoted-scalar', offset, indent, source, end };
        default:
            return { type: 'scalar', offset, indent, source, end };
    }
}
/**
 * Set the value of `token` to the given string `value`, overwriting any previous contents and type that it may have.
 *
 * Best efforts are made to retain any comments previously associated with the `token`,
 * though all contents within a collection's `items` will be overwritten.
 *
 * Values that represent an actual string but may be parsed as a different type should use a `type` other than `'PLAIN'`,
 * as this function does not support any schema operations and won't check for such conflicts.
 *
 * @param token Any token. If it does not include an `indent` value, the value will be stringified as if it were an implicit key.
 * @param value The string representation of the value, which will have its content properly indented.
 * @param context.afterKey In most cases, values after a key should have an additional level of indentation.
 * @param context.implicitKey Being within an implicit key may affect the resolved type of the token's value.
 * @param context.inFlow Being within a flow collection may affect the resolved type of the token's value.
 * @param context.type The preferred type of the scalar token. If undefined, the previous type of the `token` will be used, defaulting to `'PLAIN'`.
 */
function setScalarValue(token, value, context = {}) {
    let { afterKey = false, implicitKey = false, inFlow = false, type } = context;
    let indent = 'indent' in token ? token.indent : null;
    if (afterKey && typeof indent === 'number')
        indent += 2;
    if (!type)
        switch (token.type) {
            case 'single-quoted-scalar':
                type = 'QUOTE_SINGLE';
                break;
            case 'double-quoted-scalar':
                type = 'QUOTE_DOUBLE';
                break;
            case 'block-scalar': {
                const header = token.props[0];
                if (header.type !== 'block-scalar-header')
                    throw new Error('Invalid block scalar header');
                type = header.source[0] === '>' ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
                break;
            }
            default:
                type = 'PLAIN';
        }
    const source = stringifyString.stringifyString({ type, value }, {
        implicitKey: implicitKey || indent === null,
        indent: indent !== null && indent > 0 ? ' '.repeat(indent) : '',
        inFlow,
        options: { blockQuote: true, lineWidth: -1 }
    });
    switch (source[0]) {
        case '|':
        case '>':
            setBlockScalarValue(token, source);
            break;
        case '"':
            setFlowScalarValue(token, source, 'double-quoted-scalar');
            break;
        case "'":
            setFlowScalarValue(token, source, 'single-quoted-scalar');
            break;
        default:
            setFlowScalarValue(token, source, 'scalar');
    }
}
function setBlockScalarValue(token, source) {
    const he = source.indexOf('\n');
    const head = source.substring(0, he);
    const body = source.substring(he + 1) + '\n';
    if (token.type === 'block-scalar') {
        const header = token.props[0];
        if (header.type !== 'block-scalar-header')
            throw new Error('Invalid block scalar header');
        header.source = head;
        token.source = body;
    }
    else {
        const { offset } = token;
        const indent = 'indent' in token ? token.indent : -1;
        const props = [
            { type: 'block-scalar-header', offset, indent, source: head }
        ];
        if (!addEndtoBlockProps(props, 'end' in token ? token.end : undefined))
            props.push({ type: 'newline', offset: -1, indent, source: '\n' });
        for (const key of Object.keys(token))
            if (key !== 'type' && key !== 'offset')
                delete token[key];
        Object.assign(token, { type: 'block-scalar', indent, props, source: body });
    }
}
/** @returns `true` if last token is a newline */
function addEndtoBlockProps(props, end) {
    if (end)
        for (const st of end)
            switch (st.type) {
                case 'space':
                case 'comment':
                    props.push(st);
                    break;
                case 'newline':
                    props.push(st);
                    return true;
            }
    return false;
}
function setFlowScalarValue(token, source, type) {
    switch (token.type) {
        case 'scalar':
        case 'double-quoted-scalar':
        case 'single-quoted-scalar':
            token.type = type;
            token.source = source;
            break;
        case 'block-scalar': {
            const end = token.props.slice(1);
            let oa = source.length;
            if (token.props[0].type === 'block-scalar-header')
                oa -= token.props[0].source.length;
            for (const tok of end)
                tok.offset += oa;
            delete token.props;
            Object.assign(token, { type, source, end });
            break;
        }
        case 'block-map':
        case 'block-seq': {
            const offset = token.offset + source.length;
            const nl = { type: 'newline', offset, indent: token.indent, source: '\n' };
            delete token.items;
            Object.assign(token, { type, source, end: [nl] });
            break;
        }
        default: {
            const indent = 'indent' in token ? token.indent : -1;
            const end = 'end' in token && Array.isArray(token.end)
                ? token.end.filter(st => st.type === 'space' ||
                    st.type === 'comment' ||
                    st.type === 'newline')
                : [];
            for (const key of Object.keys(token))
                if (key !== 'type' && key !== 'offset')
                    delete token[key];
            Object.assign(token, { type, indent, source, end });
        }
    }
}

exports.createScalarToken = createScalarToken;
exports.resolveAsScalar = resolveAsScalar;
exports.setScalarValue = setScalarValue;


/***/ }),

/***/ 1733:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringify a CST document, token, or collection item
 *
 * Fair warning: This applies no validation whatsoever, and
 * simply concatenates the sources in their logical order.
 */
const stringify = (cst) => 'type' in cst ? stringifyToken(cst) : stringifyItem(cst);
function stringifyToken(token) {
    switch (token.type) {
        case 'block-scalar': {
            let res = '';
            for (const tok of token.props)
                res += stringifyToken(tok);
            return res + token.source;
        }
        case 'block-map':
        case 'block-seq': {
            let res = '';
            for (const item of token.items)
                res += stringifyItem(item);
            return res;
        }
        case 'flow-collection': {
            let res = token.start.source;
            for (const item of token.items)
                res += stringifyItem(item);
            for (const st of token.end)
                res += st.source;
            return res;
        }
        case 'document': {
            let res = stringifyItem(token);
            if (token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
        default: {
            let res = token.source;
            if ('end' in token && token.end)
                for (const st of token.end)
                    res += st.source;
            return res;
        }
    }
}
function stringifyItem({ start, key, sep, value }) {
    let res = '';
    for (const st of start)
        res += st.source;
    if (key)
        res += stringifyToken(key);
    if (sep)
        for (const st of sep)
            res += st.source;
    if (value)
        res += stringifyToken(value);
    return res;
}

exports.stringify = stringify;


/***/ }),

/***/ 7715:
/***/ ((__unused_webpack_module, exports) => {



const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove item');
/**
 * Apply a visitor to a CST document or item.
 *
 * Walks through the tree (depth-first) starting from the root, calling a
 * `visitor` function with two arguments when entering each item:
 *   - `item`: The current item, which included the following members:
 *     - `start: SourceToken[]` – Source tokens before the key or value,
 *       possibly including its anchor or tag.
 *     - `key?: Token | null` – Set for pair values. May then be `null`, if
 *       the key before the `:` separator is empty.
 *     - `sep?: SourceToken[]` – Source tokens between the key and the value,
 *       which should include the `:` map value indicator if `value` is set.
 *     - `value?: Token` – The value of a sequence item, or of a map pair.
 *   - `path`: The steps from the root to the current node, as an array of
 *     `['key' | 'value', number]` tuples.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this token, continue with
 *      next sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current item, then continue with the next one
 *   - `number`: Set the index of the next step. This is useful especially if
 *     the index of the current token has changed.
 *   - `function`: Define the next visitor for this item. After the original
 *     visitor is called on item entry, next visitors are called after handling
 *     a non-empty `key` and when exiting the item.
 */
function visit(cst, visitor) {
    if ('type' in cst && cst.type === 'document')
        cst = { start: cst.start, value: cst.value };
    _visit(Object.freeze([]), cst, visitor);
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current item */
visit.SKIP = SKIP;
/** Remove the current item */
visit.REMOVE = REMOVE;
/** Find the item at `path` from `cst` as the root */
visit.itemAtPath = (cst, path) => {
    let item = cst;
    for (const [field, index] of path) {
        const tok = item?.[field];
        if (tok && 'items' in tok) {
            item = tok.items[index];
        }
        else
            return undefined;
    }
    return item;
};
/**
 * Get the immediate parent collection of the item at `path` from `cst` as the root.
 *
 * Throws an error if the collection is not found, which should never happen if the item itself exists.
 */
visit.parentCollection = (cst, path) => {
    const parent = visit.itemAtPath(cst, path.slice(0, -1));
    const field = path[path.length - 1][0];
    const coll = parent?.[field];
    if (coll && 'items' in coll)
        return coll;
    throw new Error('Parent collection not found');
};
function _visit(path, item, visitor) {
    let ctrl = visitor(item, path);
    if (typeof ctrl === 'symbol')
        return ctrl;
    for (const field of ['key', 'value']) {
        const token = item[field];
        if (token && 'items' in token) {
            for (let i = 0; i < token.items.length; ++i) {
                const ci = _visit(Object.freeze(path.concat([[field, i]])), token.items[i], visitor);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    token.items.splice(i, 1);
                    i -= 1;
                }
            }
            if (typeof ctrl === 'function' && field === 'key')
                ctrl = ctrl(item, path);
        }
    }
    return typeof ctrl === 'function' ? ctrl(item, path) : ctrl;
}

exports.visit = visit;


/***/ }),

/***/ 3461:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cstScalar = __nccwpck_require__(110);
var cstStringify = __nccwpck_require__(1733);
var cstVisit = __nccwpck_require__(7715);

/** The byte order mark */
const BOM = '\u{FEFF}';
/** Start of doc-mode */
const DOCUMENT = '\x02'; // C0: Start of Text
/** Unexpected end of flow-mode */
const FLOW_END = '\x18'; // C0: Cancel
/** Next token is a scalar value */
const SCALAR = '\x1f'; // C0: Unit Separator
/** @returns `true` if `token` is a flow or block collection */
const isCollection = (token) => !!token && 'items' in token;
/** @returns `true` if `token` is a flow or block scalar; not an alias */
const isScalar = (token) => !!token &&
    (token.type === 'scalar' ||
        token.type === 'single-quoted-scalar' ||
        token.type === 'double-quoted-scalar' ||
        token.type === 'block-scalar');
/* istanbul ignore next */
/** Get a printable representation of a lexer token */
function prettyToken(token) {
    switch (token) {
        case BOM:
            return '<BOM>';
        case DOCUMENT:
            return '<DOC>';
        case FLOW_END:
            return '<FLOW_END>';
        case SCALAR:
            return '<SCALAR>';
        default:
            return JSON.stringify(token);
    }
}
/** Identify the type of a lexer token. May return `null` for unknown tokens. */
function tokenType(source) {
    switch (source) {
        case BOM:
            return 'byte-order-mark';
        case DOCUMENT:
            return 'doc-mode';
        case FLOW_END:
            return 'flow-error-end';
        case SCALAR:
            return 'scalar';
        case '---':
            return 'doc-start';
        case '...':
            return 'doc-end';
        case '':
        case '\n':
        case '\r\n':
            return 'newline';
        case '-':
            return 'seq-item-ind';
        case '?':
            return 'explicit-key-ind';
        case ':':
            return 'map-value-ind';
        case '{':
            return 'flow-map-start';
        case '}':
            return 'flow-map-end';
        case '[':
            return 'flow-seq-start';
        case ']':
            return 'flow-seq-end';
        case ',':
            return 'comma';
    }
    switch (source[0]) {
        case ' ':
        case '\t':
            return 'space';
        case '#':
            return 'comment';
        case '%':
            return 'directive-line';
        case '*':
            return 'alias';
        case '&':
            return 'anchor';
        case '!':
            return 'tag';
        case "'":
            return 'single-quoted-scalar';
        case '"':
            return 'double-quoted-scalar';
        case '|':
        case '>':
            return 'block-scalar-header';
    }
    return null;
}

exports.createScalarToken = cstScalar.createScalarToken;
exports.resolveAsScalar = cstScalar.resolveAsScalar;
exports.setScalarValue = cstScalar.setScalarValue;
exports.stringify = cstStringify.stringify;
exports.visit = cstVisit.visit;
exports.BOM = BOM;
exports.DOCUMENT = DOCUMENT;
exports.FLOW_END = FLOW_END;
exports.SCALAR = SCALAR;
exports.isCollection = isCollection;
exports.isScalar = isScalar;
exports.prettyToken = prettyToken;
exports.tokenType = tokenType;


/***/ }),

/***/ 361:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var cst = __nccwpck_require__(3461);

/*
START -> stream

stream
  directive -> line-end -> stream
  indent + line-end -> stream
  [else] -> line-start

line-end
  comment -> line-end
  newline -> .
  input-end -> END

line-start
  doc-start -> doc
  doc-end -> stream
  [else] -> indent -> block-start

block-start
  seq-item-start -> block-start
  explicit-key-start -> block-start
  map-value-start -> block-start
  [else] -> doc

doc
  line-end -> line-start
  spaces -> doc
  anchor -> doc
  tag -> doc
  flow-start -> flow -> doc
  flow-end -> error -> doc
  seq-item-start -> error -> doc
  explicit-key-start -> error -> doc
  map-value-start -> doc
  alias -> doc
  quote-start -> quoted-scalar -> doc
  block-scalar-header -> line-end -> block-scalar(min) -> line-start
  [else] -> plain-scalar(false, min) -> doc

flow
  line-end -> flow
  spaces -> flow
  anchor -> flow
  tag -> flow
  flow-start -> flow -> flow
  flow-end -> .
  seq-item-start -> error -> flow
  explicit-key-start -> flow
  map-value-start -> flow
  alias -> flow
  quote-start -> quoted-scalar -> flow
  comma -> flow
  [else] -> plain-scalar(true, 0) -> flow

quoted-scalar
  quote-end -> .
  [else] -> quoted-scalar

block-scalar(min)
  newline + peek(indent < min) -> .
  [else] -> block-scalar(min)

plain-scalar(is-flow, min)
  scalar-end(is-flow) -> .
  peek(newline + (indent < min)) -> .
  [else] -> plain-scalar(min)
*/
function isEmpty(ch) {
    switch (ch) {
        case undefined:
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            return true;
        default:
            return false;
    }
}
const hexDigits = new Set('0123456789ABCDEFabcdef');
const tagChars = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");
const flowIndicatorChars = new Set(',[]{}');
const invalidAnchorChars = new Set(' ,[]{}\n\r\t');
const isNotAnchorChar = (ch) => !ch || invalidAnchorChars.has(ch);
/**
 * Splits an input string into lexical tokens, i.e. smaller strings that are
 * easily identifiable by `tokens.tokenType()`.
 *
 * Lexing starts always in a "stream" context. Incomplete input may be buffered
 * until a complete token can be emitted.
 *
 * In addition to slices of the original input, the following control characters
 * may also be emitted:
 *
 * - `\x02` (Start of Text): A document starts with the next token
 * - `\x18` (Cancel): Unexpected end of flow-mode (indicates an error)
 * - `\x1f` (Unit Separator): Next token is a scalar value
 * - `\u{FEFF}` (Byte order mark): Emitted separately outside documents
 */
class Lexer {
    constructor() {
        /**
         * Flag indicating whether the end of the current buffer marks the end of
         * all input
         */
        this.atEnd = false;
        /**
         * Explicit indent set in block scalar header, as an offset from the current
         * minimum indent, so e.g. set to 1 from a header `|2+`. Set to -1 if not
         * explicitly set.
         */
        this.blockScalarIndent = -1;
        /**
         * Block scalars that include a + (keep) chomping indicator in their header
         * include trailing empty lines, which are otherwise excluded from the
         * scalar's contents.
         */
        this.blockScalarKeep = false;
        /** Current input */
        this.buffer = '';
        /**
         * Flag noting whether the map value indicator : can immediately follow this
         * node within a flow context.
         */
        this.flowKey = false;
        /** Count of surrounding flow collection levels. */
        this.flowLevel = 0;
        /**
         * Minimum level of indentation required for next lines to be parsed as a
         * part of the current scalar value.
         */
        this.indentNext = 0;
        /** Indentation level of the current line. */
        this.indentValue = 0;
        /** Position of the next \n character. */
        this.lineEndPos = null;
        /** Stores the state of the lexer if reaching the end of incpomplete input */
        this.next = null;
        /** A pointer to `buffer`; the current position of the lexer. */
        this.pos = 0;
    }
    /**
     * Generate YAML tokens from the `source` string. If `incomplete`,
     * a part of the last line may be left as a buffer for the next call.
     *
     * @returns A generator of lexical tokens
     */
    *lex(source, incomplete = false) {
        if (source) {
            if (typeof source !== 'string')
                throw TypeError('source is not a string');
            this.buffer = this.buffer ? this.buffer + source : source;
            this.lineEndPos = null;
        }
        this.atEnd = !incomplete;
        let next = this.next ?? 'stream';
        while (next && (incomplete || this.hasChars(1)))
            next = yield* this.parseNext(next);
    }
    atLineEnd() {
        let i = this.pos;
        let ch = this.buffer[i];
        while (ch === ' ' || ch === '\t')
            ch = this.buffer[++i];
        if (!ch || ch === '#' || ch === '\n')
            return true;
        if (ch === '\r')
            return this.buffer[i + 1] === '\n';
        return false;
    }
    charAt(n) {
        return this.buffer[this.pos + n];
    }
    continueScalar(offset) {
        let ch = this.buffer[offset];
        if (this.indentNext > 0) {
            let indent = 0;
            while (ch === ' ')
                ch = this.buffer[++indent + offset];
            if (ch === '\r') {
                const next = this.buffer[indent + offset + 1];
                if (next === '\n' || (!next && !this.atEnd))
                    return offset + indent + 1;
            }
            return ch === '\n' || indent >= this.indentNext || (!ch && !this.atEnd)
                ? offset + indent
                : -1;
        }
        if (ch === '-' || ch === '.') {
            const dt = this.buffer.substr(offset, 3);
            if ((dt === '---' || dt === '...') && isEmpty(this.buffer[offset + 3]))
                return -1;
        }
        return offset;
    }
    getLine() {
        let end = this.lineEndPos;
        if (typeof end !== 'number' || (end !== -1 && end < this.pos)) {
            end = this.buffer.indexOf('\n', this.pos);
            this.lineEndPos = end;
        }
        if (end === -1)
            return this.atEnd ? this.buffer.substring(this.pos) : null;
        if (this.buffer[end - 1] === '\r')
            end -= 1;
        return this.buffer.substring(this.pos, end);
    }
    hasChars(n) {
        return this.pos + n <= this.buffer.length;
    }
    setNext(state) {
        this.buffer = this.buffer.substring(this.pos);
        this.pos = 0;
        this.lineEndPos = null;
        this.next = state;
        return null;
    }
    peek(n) {
        return this.buffer.substr(this.pos, n);
    }
    *parseNext(next) {
        switch (next) {
            case 'stream':
                return yield* this.parseStream();
            case 'line-start':
                return yield* this.parseLineStart();
            case 'block-start':
                return yield* this.parseBlockStart();
            case 'doc':
                return yield* this.parseDocument();
            case 'flow':
                return yield* this.parseFlowCollection();
            case 'quoted-scalar':
                return yield* this.parseQuotedScalar();
            case 'block-scalar':
                return yield* this.parseBlockScalar();
            case 'plain-scalar':
                return yield* this.parsePlainScalar();
        }
    }
    *parseStream() {
        let line = this.getLine();
        if (line === null)
            return this.setNext('stream');
        if (line[0] === cst.BOM) {
            yield* this.pushCount(1);
            line = line.substring(1);
        }
        if (line[0] === '%') {
            let dirEnd = line.length;
            let cs = line.indexOf('#');
            while (cs !== -1) {
                const ch = line[cs - 1];
                if (ch === ' ' || ch === '\t') {
                    dirEnd = cs - 1;
                    break;
                }
                else {
                    cs = line.indexOf('#', cs + 1);
                }
            }
            while (true) {
                const ch = line[dirEnd - 1];
                if (ch === ' ' || ch === '\t')
                    dirEnd -= 1;
                else
                    break;
            }
            const n = (yield* this.pushCount(dirEnd)) + (yield* this.pushSpaces(true));
            yield* this.pushCount(line.length - n); // possible comment
            this.pushNewline();
            return 'stream';
        }
        if (this.atLineEnd()) {
            const sp = yield* this.pushSpaces(true);
            yield* this.pushCount(line.length - sp);
            yield* this.pushNewline();
            return 'stream';
        }
        yield cst.DOCUMENT;
        return yield* this.parseLineStart();
    }
    *parseLineStart() {
        const ch = this.charAt(0);
        if (!ch && !this.atEnd)
            return this.setNext('line-start');
        if (ch === '-' || ch === '.') {
            if (!this.atEnd && !this.hasChars(4))
                return this.setNext('line-start');
            const s = this.peek(3);
            if ((s === '---' || s === '...') && isEmpty(this.charAt(3))) {
                yield* this.pushCount(3);
                this.indentValue = 0;
                this.indentNext = 0;
                return s === '---' ? 'doc' : 'stream';
            }
        }
        this.indentValue = yield* this.pushSpaces(false);
        if (this.indentNext > this.indentValue && !isEmpty(this.charAt(1)))
            this.indentNext = this.indentValue;
        return yield* this.parseBlockStart();
    }
    *parseBlockStart() {
        const [ch0, ch1] = this.peek(2);
        if (!ch1 && !this.atEnd)
            return this.setNext('block-start');
        if ((ch0 === '-' || ch0 === '?' || ch0 === ':') && isEmpty(ch1)) {
            const n = (yield* this.pushCount(1)) + (yield* this.pushSpaces(true));
            this.indentNext = this.indentValue + 1;
            this.indentValue += n;
            return 'block-start';
        }
        return 'doc';
    }
    *parseDocument() {
        yield* this.pushSpaces(true);
        const line = this.getLine();
        if (line === null)
            return this.setNext('doc');
        let n = yield* this.pushIndicators();
        switch (line[n]) {
            case '#':
                yield* this.pushCount(line.length - n);
            // fallthrough
            case undefined:
                yield* this.pushNewline();
                return yield* this.parseLineStart();
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel = 1;
                return 'flow';
            case '}':
            case ']':
                // this is an error
                yield* this.pushCount(1);
                return 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'doc';
            case '"':
            case "'":
                return yield* this.parseQuotedScalar();
            case '|':
            case '>':
                n += yield* this.parseBlockScalarHeader();
                n += yield* this.pushSpaces(true);
                yield* this.pushCount(line.length - n);
                yield* this.pushNewline();
                return yield* this.parseBlockScalar();
            default:
                return yield* this.parsePlainScalar();
        }
    }
    *parseFlowCollection() {
        let nl, sp;
        let indent = -1;
        do {
            nl = yield* this.pushNewline();
            if (nl > 0) {
                sp = yield* this.pushSpaces(false);
                this.indentValue = indent = sp;
            }
            else {
                sp = 0;
            }
            sp += yield* this.pushSpaces(true);
        } while (nl + sp > 0);
        const line = this.getLine();
        if (line === null)
            return this.setNext('flow');
        if ((indent !== -1 && indent < this.indentNext && line[0] !== '#') ||
            (indent === 0 &&
                (line.startsWith('---') || line.startsWith('...')) &&
                isEmpty(line[3]))) {
            // Allowing for the terminal ] or } at the same (rather than greater)
            // indent level as the initial [ or { is technically invalid, but
            // failing here would be surprising to users.
            const atFlowEndMarker = indent === this.indentNext - 1 &&
                this.flowLevel === 1 &&
                (line[0] === ']' || line[0] === '}');
            if (!atFlowEndMarker) {
                // this is an error
                this.flowLevel = 0;
                yield cst.FLOW_END;
                return yield* this.parseLineStart();
            }
        }
        let n = 0;
        while (line[n] === ',') {
            n += yield* this.pushCount(1);
            n += yield* this.pushSpaces(true);
            this.flowKey = false;
        }
        n += yield* this.pushIndicators();
        switch (line[n]) {
            case undefined:
                return 'flow';
            case '#':
                yield* this.pushCount(line.length - n);
                return 'flow';
            case '{':
            case '[':
                yield* this.pushCount(1);
                this.flowKey = false;
                this.flowLevel += 1;
                return 'flow';
            case '}':
            case ']':
                yield* this.pushCount(1);
                this.flowKey = true;
                this.flowLevel -= 1;
                return this.flowLevel ? 'flow' : 'doc';
            case '*':
                yield* this.pushUntil(isNotAnchorChar);
                return 'flow';
            case '"':
            case "'":
                this.flowKey = true;
                return yield* this.parseQuotedScalar();
            case ':': {
                const next = this.charAt(1);
                if (this.flowKey || isEmpty(next) || next === ',') {
                    this.flowKey = false;
                    yield* this.pushCount(1);
                    yield* this.pushSpaces(true);
                    return 'flow';
                }
            }
            // fallthrough
            default:
                this.flowKey = false;
                return yield* this.parsePlainScalar();
        }
    }
    *parseQuotedScalar() {
        const quote = this.charAt(0);
        let end = this.buffer.indexOf(quote, this.pos + 1);
        if (quote === "'") {
            while (end !== -1 && this.buffer[end + 1] === "'")
                end = this.buffer.indexOf("'", end + 2);
        }
        else {
            // double-quote
            while (end !== -1) {
                let n = 0;
                while (this.buffer[end - 1 - n] === '\\')
                    n += 1;
                if (n % 2 === 0)
                    break;
                end = this.buffer.indexOf('"', end + 1);
            }
        }
        // Only looking for newlines within the quotes
        const qb = this.buffer.substring(0, end);
        let nl = qb.indexOf('\n', this.pos);
        if (nl !== -1) {
            while (nl !== -1) {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = qb.indexOf('\n', cs);
            }
            if (nl !== -1) {
                // this is an error caused by an unexpected unindent
                end = nl - (qb[nl - 1] === '\r' ? 2 : 1);
            }
        }
        if (end === -1) {
            if (!this.atEnd)
                return this.setNext('quoted-scalar');
            end = this.buffer.length;
        }
        yield* this.pushToIndex(end + 1, false);
        return this.flowLevel ? 'flow' : 'doc';
    }
    *parseBlockScalarHeader() {
        this.blockScalarIndent = -1;
        this.blockScalarKeep = false;
        let i = this.pos;
        while (true) {
            const ch = this.buffer[++i];
            if (ch === '+')
                this.blockScalarKeep = true;
            else if (ch > '0' && ch <= '9')
                this.blockScalarIndent = Number(ch) - 1;
            else if (ch !== '-')
                break;
        }
        return yield* this.pushUntil(ch => isEmpty(ch) || ch === '#');
    }
    *parseBlockScalar() {
        let nl = this.pos - 1; // may be -1 if this.pos === 0
        let indent = 0;
        let ch;
        loop: for (let i = this.pos; (ch = this.buffer[i]); ++i) {
            switch (ch) {
                case ' ':
                    indent += 1;
                    break;
                case '\n':
                    nl = i;
                    indent = 0;
                    break;
                case '\r': {
                    const next = this.buffer[i + 1];
                    if (!next && !this.atEnd)
                        return this.setNext('block-scalar');
                    if (next === '\n')
                        break;
                } // fallthrough
                default:
                    break loop;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('block-scalar');
        if (indent >= this.indentNext) {
            if (this.blockScalarIndent === -1)
                this.indentNext = indent;
            else {
                this.indentNext =
                    this.blockScalarIndent + (this.indentNext === 0 ? 1 : this.indentNext);
            }
            do {
                const cs = this.continueScalar(nl + 1);
                if (cs === -1)
                    break;
                nl = this.buffer.indexOf('\n', cs);
            } while (nl !== -1);
            if (nl === -1) {
                if (!this.atEnd)
                    return this.setNext('block-scalar');
                nl = this.buffer.length;
            }
        }
        // Trailing insufficiently indented tabs are invalid.
        // To catch that during parsing, we include them in the block scalar value.
        let i = nl + 1;
        ch = this.buffer[i];
        while (ch === ' ')
            ch = this.buffer[++i];
        if (ch === '\t') {
            while (ch === '\t' || ch === ' ' || ch === '\r' || ch === '\n')
                ch = this.buffer[++i];
            nl = i - 1;
        }
        else if (!this.blockScalarKeep) {
            do {
                let i = nl - 1;
                let ch = this.buffer[i];
                if (ch === '\r')
                    ch = this.buffer[--i];
                const lastChar = i; // Drop the line if last char not more indented
                while (ch === ' ')
                    ch = this.buffer[--i];
                if (ch === '\n' && i >= this.pos && i + 1 + indent > lastChar)
                    nl = i;
                else
                    break;
            } while (true);
        }
        yield cst.SCALAR;
        yield* this.pushToIndex(nl + 1, true);
        return yield* this.parseLineStart();
    }
    *parsePlainScalar() {
        const inFlow = this.flowLevel > 0;
        let end = this.pos - 1;
        let i = this.pos - 1;
        let ch;
        while ((ch = this.buffer[++i])) {
            if (ch === ':') {
                const next = this.buffer[i + 1];
                if (isEmpty(next) || (inFlow && flowIndicatorChars.has(next)))
                    break;
                end = i;
            }
            else if (isEmpty(ch)) {
                let next = this.buffer[i + 1];
                if (ch === '\r') {
                    if (next === '\n') {
                        i += 1;
                        ch = '\n';
                        next = this.buffer[i + 1];
                    }
                    else
                        end = i;
                }
                if (next === '#' || (inFlow && flowIndicatorChars.has(next)))
                    break;
                if (ch === '\n') {
                    const cs = this.continueScalar(i + 1);
                    if (cs === -1)
                        break;
                    i = Math.max(i, cs - 2); // to advance, but still account for ' #'
                }
            }
            else {
                if (inFlow && flowIndicatorChars.has(ch))
                    break;
                end = i;
            }
        }
        if (!ch && !this.atEnd)
            return this.setNext('plain-scalar');
        yield cst.SCALAR;
        yield* this.pushToIndex(end + 1, true);
        return inFlow ? 'flow' : 'doc';
    }
    *pushCount(n) {
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos += n;
            return n;
        }
        return 0;
    }
    *pushToIndex(i, allowEmpty) {
        const s = this.buffer.slice(this.pos, i);
        if (s) {
            yield s;
            this.pos += s.length;
            return s.length;
        }
        else if (allowEmpty)
            yield '';
        return 0;
    }
    *pushIndicators() {
        let n = 0;
        loop: while (true) {
            switch (this.charAt(0)) {
                case '!':
                    n += yield* this.pushTag();
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '&':
                    n += yield* this.pushUntil(isNotAnchorChar);
                    n += yield* this.pushSpaces(true);
                    continue loop;
                case '-': // this is an error
                case '?': // this is an error outside flow collections
                case ':': {
                    const inFlow = this.flowLevel > 0;
                    const ch1 = this.charAt(1);
                    if (isEmpty(ch1) || (inFlow && flowIndicatorChars.has(ch1))) {
                        if (!inFlow)
                            this.indentNext = this.indentValue + 1;
                        else if (this.flowKey)
                            this.flowKey = false;
                        n += yield* this.pushCount(1);
                        n += yield* this.pushSpaces(true);
                        continue loop;
                    }
                }
            }
            break loop;
        }
        return n;
    }
    *pushTag() {
        if (this.charAt(1) === '<') {
            let i = this.pos + 2;
            let ch = this.buffer[i];
            while (!isEmpty(ch) && ch !== '>')
                ch = this.buffer[++i];
            return yield* this.pushToIndex(ch === '>' ? i + 1 : i, false);
        }
        else {
            let i = this.pos + 1;
            let ch = this.buffer[i];
            while (ch) {
                if (tagChars.has(ch))
                    ch = this.buffer[++i];
                else if (ch === '%' &&
                    hexDigits.has(this.buffer[i + 1]) &&
                    hexDigits.has(this.buffer[i + 2])) {
                    ch = this.buffer[(i += 3)];
                }
                else
                    break;
            }
            return yield* this.pushToIndex(i, false);
        }
    }
    *pushNewline() {
        const ch = this.buffer[this.pos];
        if (ch === '\n')
            return yield* this.pushCount(1);
        else if (ch === '\r' && this.charAt(1) === '\n')
            return yield* this.pushCount(2);
        else
            return 0;
    }
    *pushSpaces(allowTabs) {
        let i = this.pos - 1;
        let ch;
        do {
            ch = this.buffer[++i];
        } while (ch === ' ' || (allowTabs && ch === '\t'));
        const n = i - this.pos;
        if (n > 0) {
            yield this.buffer.substr(this.pos, n);
            this.pos = i;
        }
        return n;
    }
    *pushUntil(test) {
        let i = this.pos;
        let ch = this.buffer[i];
        while (!test(ch))
            ch = this.buffer[++i];
        return yield* this.pushToIndex(i, false);
    }
}

exports.Lexer = Lexer;


/***/ }),

/***/ 6628:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Tracks newlines during parsing in order to provide an efficient API for
 * determining the one-indexed `{ line, col }` position for any offset
 * within the input.
 */
class LineCounter {
    constructor() {
        this.lineStarts = [];
        /**
         * Should be called in ascending order. Otherwise, call
         * `lineCounter.lineStarts.sort()` before calling `linePos()`.
         */
        this.addNewLine = (offset) => this.lineStarts.push(offset);
        /**
         * Performs a binary search and returns the 1-indexed { line, col }
         * position of `offset`. If `line === 0`, `addNewLine` has never been
         * called or `offset` is before the first known newline.
         */
        this.linePos = (offset) => {
            let low = 0;
            let high = this.lineStarts.length;
            while (low < high) {
                const mid = (low + high) >> 1; // Math.floor((low + high) / 2)
                if (this.lineStarts[mid] < offset)
                    low = mid + 1;
                else
                    high = mid;
            }
            if (this.lineStarts[low] === offset)
                return { line: low + 1, col: 1 };
            if (low === 0)
                return { line: 0, col: offset };
            const start = this.lineStarts[low - 1];
            return { line: low, col: offset - start + 1 };
        };
    }
}

exports.LineCounter = LineCounter;


/***/ }),

/***/ 3456:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_process = __nccwpck_require__(932);
var cst = __nccwpck_require__(3461);
var lexer = __nccwpck_require__(361);

function includesToken(list, type) {
    for (let i = 0; i < list.length; ++i)
        if (list[i].type === type)
            return true;
    return false;
}
function findNonEmptyIndex(list) {
    for (let i = 0; i < list.length; ++i) {
        switch (list[i].type) {
            case 'space':
            case 'comment':
            case 'newline':
                break;
            default:
                return i;
        }
    }
    return -1;
}
function isFlowToken(token) {
    switch (token?.type) {
        case 'alias':
        case 'scalar':
        case 'single-quoted-scalar':
        case 'double-quoted-scalar':
        case 'flow-collection':
            return true;
        default:
            return false;
    }
}
function getPrevProps(parent) {
    switch (parent.type) {
        case 'document':
            return parent.start;
        case 'block-map': {
            const it = parent.items[parent.items.length - 1];
            return it.sep ?? it.start;
        }
        case 'block-seq':
            return parent.items[parent.items.length - 1].start;
        /* istanbul ignore next should not happen */
        default:
            return [];
    }
}
/** Note: May modify input array */
function getFirstKeyStartProps(prev) {
    if (prev.length === 0)
        return [];
    let i = prev.length;
    loop: while (--i >= 0) {
        switch (prev[i].type) {
            case 'doc-start':
            case 'explicit-key-ind':
            case 'map-value-ind':
            case 'seq-item-ind':
            case 'newline':
                break loop;
        }
    }
    while (prev[++i]?.type === 'space') {
        /* loop */
    }
    return prev.splice(i, prev.length);
}
function arrayPushArray(target, source) {
    // May exhaust call stack with large `source` array
    if (source.length < 1e5)
        Array.prototype.push.apply(target, source);
    else
        for (let i = 0; i < source.length; ++i)
            target.push(source[i]);
}
function fixFlowSeqItems(fc) {
    if (fc.start.type === 'flow-seq-start') {
        for (const it of fc.items) {
            if (it.sep &&
                !it.value &&
                !includesToken(it.start, 'explicit-key-ind') &&
                !includesToken(it.sep, 'map-value-ind')) {
                if (it.key)
                    it.value = it.key;
                delete it.key;
                if (isFlowToken(it.value)) {
                    if (it.value.end)
                        arrayPushArray(it.value.end, it.sep);
                    else
                        it.value.end = it.sep;
                }
                else
                    arrayPushArray(it.start, it.sep);
                delete it.sep;
            }
        }
    }
}
/**
 * A YAML concrete syntax tree (CST) parser
 *
 * ```ts
 * const src: string = ...
 * for (const token of new Parser().parse(src)) {
 *   // token: Token
 * }
 * ```
 *
 * To use the parser with a user-provided lexer:
 *
 * ```ts
 * function* parse(source: string, lexer: Lexer) {
 *   const parser = new Parser()
 *   for (const lexeme of lexer.lex(source))
 *     yield* parser.next(lexeme)
 *   yield* parser.end()
 * }
 *
 * const src: string = ...
 * const lexer = new Lexer()
 * for (const token of parse(src, lexer)) {
 *   // token: Token
 * }
 * ```
 */
class Parser {
    /**
     * @param onNewLine - If defined, called separately with the start position of
     *   each new line (in `parse()`, including the start of input).
     */
    constructor(onNewLine) {
        /** If true, space and sequence indicators count as indentation */
        this.atNewLine = true;
        /** If true, next token is a scalar value */
        this.atScalar = false;
        /** Current indentation level */
        this.indent = 0;
        /** Current offset since the start of parsing */
        this.offset = 0;
        /** On the same line with a block map key */
        this.onKeyLine = false;
        /** Top indicates the node that's currently being built */
        this.stack = [];
        /** The source of the current token, set in parse() */
        this.source = '';
        /** The type of the current token, set in parse() */
        this.type = '';
        // Must be defined after `next()`
        this.lexer = new lexer.Lexer();
        this.onNewLine = onNewLine;
    }
    /**
     * Parse `source` as a YAML stream.
     * If `incomplete`, a part of the last line may be left as a buffer for the next call.
     *
     * Errors are not thrown, but yielded as `{ type: 'error', message }` tokens.
     *
     * @returns A generator of tokens representing each directive, document, and other structure.
     */
    *parse(source, incomplete = false) {
        if (this.onNewLine && this.offset === 0)
            this.onNewLine(0);
        for (const lexeme of this.lexer.lex(source, incomplete))
            yield* this.next(lexeme);
        if (!incomplete)
            yield* this.end();
    }
    /**
     * Advance the parser by the `source` of one lexical token.
     */
    *next(source) {
        this.source = source;
        if (node_process.env.LOG_TOKENS)
            console.log('|', cst.prettyToken(source));
        if (this.atScalar) {
            this.atScalar = false;
            yield* this.step();
            this.offset += source.length;
            return;
        }
        const type = cst.tokenType(source);
        if (!type) {
            const message = `Not a YAML token: ${source}`;
            yield* this.pop({ type: 'error', offset: this.offset, message, source });
            this.offset += source.length;
        }
        else if (type === 'scalar') {
            this.atNewLine = false;
            this.atScalar = true;
            this.type = 'scalar';
        }
        else {
            this.type = type;
            yield* this.step();
            switch (type) {
                case 'newline':
                    this.atNewLine = true;
                    this.indent = 0;
                    if (this.onNewLine)
                        this.onNewLine(this.offset + source.length);
                    break;
                case 'space':
                    if (this.atNewLine && source[0] === ' ')
                        this.indent += source.length;
                    break;
                case 'explicit-key-ind':
                case 'map-value-ind':
                case 'seq-item-ind':
                    if (this.atNewLine)
                        this.indent += source.length;
                    break;
                case 'doc-mode':
                case 'flow-error-end':
                    return;
                default:
                    this.atNewLine = false;
            }
            this.offset += source.length;
        }
    }
    /** Call at end of input to push out any remaining constructions */
    *end() {
        while (this.stack.length > 0)
            yield* this.pop();
    }
    get sourceToken() {
        const st = {
            type: this.type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
        return st;
    }
    *step() {
        const top = this.peek(1);
        if (this.type === 'doc-end' && top?.type !== 'doc-end') {
            while (this.stack.length > 0)
                yield* this.pop();
            this.stack.push({
                type: 'doc-end',
                offset: this.offset,
                source: this.source
            });
            return;
        }
        if (!top)
            return yield* this.stream();
        switch (top.type) {
            case 'document':
                return yield* this.document(top);
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return yield* this.scalar(top);
            case 'block-scalar':
                return yield* this.blockScalar(top);
            case 'block-map':
                return yield* this.blockMap(top);
            case 'block-seq':
                return yield* this.blockSequence(top);
            case 'flow-collection':
                return yield* this.flowCollection(top);
            case 'doc-end':
                return yield* this.documentEnd(top);
        }
        /* istanbul ignore next should not happen */
        yield* this.pop();
    }
    peek(n) {
        return this.stack[this.stack.length - n];
    }
    *pop(error) {
        const token = error ?? this.stack.pop();
        /* istanbul ignore if should not happen */
        if (!token) {
            const message = 'Tried to pop an empty stack';
            yield { type: 'error', offset: this.offset, source: '', message };
        }
        else if (this.stack.length === 0) {
            yield token;
        }
        else {
            const top = this.peek(1);
            if (token.type === 'block-scalar') {
                // Block scalars use their parent rather than header indent
                token.indent = 'indent' in top ? top.indent : 0;
            }
            else if (token.type === 'flow-collection' && top.type === 'document') {
                // Ignore all indent for top-level flow collections
                token.indent = 0;
            }
            if (token.type === 'flow-collection')
                fixFlowSeqItems(token);
            switch (top.type) {
                case 'document':
                    top.value = token;
                    break;
                case 'block-scalar':
                    top.props.push(token); // error
                    break;
                case 'block-map': {
                    const it = top.items[top.items.length - 1];
                    if (it.value) {
                        top.items.push({ start: [], key: token, sep: [] });
                        this.onKeyLine = true;
                        return;
                    }
                    else if (it.sep) {
                        it.value = token;
                    }
                    else {
                        Object.assign(it, { key: token, sep: [] });
                        this.onKeyLine = !it.explicitKey;
                        return;
                    }
                    break;
                }
                case 'block-seq': {
                    const it = top.items[top.items.length - 1];
                    if (it.value)
                        top.items.push({ start: [], value: token });
                    else
                        it.value = token;
                    break;
                }
                case 'flow-collection': {
                    const it = top.items[top.items.length - 1];
                    if (!it || it.value)
                        top.items.push({ start: [], key: token, sep: [] });
                    else if (it.sep)
                        it.value = token;
                    else
                        Object.assign(it, { key: token, sep: [] });
                    return;
                }
                /* istanbul ignore next should not happen */
                default:
                    yield* this.pop();
                    yield* this.pop(token);
            }
            if ((top.type === 'document' ||
                top.type === 'block-map' ||
                top.type === 'block-seq') &&
                (token.type === 'block-map' || token.type === 'block-seq')) {
                const last = token.items[token.items.length - 1];
                if (last &&
                    !last.sep &&
                    !last.value &&
                    last.start.length > 0 &&
                    findNonEmptyIndex(last.start) === -1 &&
                    (token.indent === 0 ||
                        last.start.every(st => st.type !== 'comment' || st.indent < token.indent))) {
                    if (top.type === 'document')
                        top.end = last.start;
                    else
                        top.items.push({ start: last.start });
                    token.items.splice(-1, 1);
                }
            }
        }
    }
    *stream() {
        switch (this.type) {
            case 'directive-line':
                yield { type: 'directive', offset: this.offset, source: this.source };
                return;
            case 'byte-order-mark':
            case 'space':
            case 'comment':
            case 'newline':
                yield this.sourceToken;
                return;
            case 'doc-mode':
            case 'doc-start': {
                const doc = {
                    type: 'document',
                    offset: this.offset,
                    start: []
                };
                if (this.type === 'doc-start')
                    doc.start.push(this.sourceToken);
                this.stack.push(doc);
                return;
            }
        }
        yield {
            type: 'error',
            offset: this.offset,
            message: `Unexpected ${this.type} token in YAML stream`,
            source: this.source
        };
    }
    *document(doc) {
        if (doc.value)
            return yield* this.lineEnd(doc);
        switch (this.type) {
            case 'doc-start': {
                if (findNonEmptyIndex(doc.start) !== -1) {
                    yield* this.pop();
                    yield* this.step();
                }
                else
                    doc.start.push(this.sourceToken);
                return;
            }
            case 'anchor':
            case 'tag':
            case 'space':
            case 'comment':
            case 'newline':
                doc.start.push(this.sourceToken);
                return;
        }
        const bv = this.startBlockValue(doc);
        if (bv)
            this.stack.push(bv);
        else {
            yield {
                type: 'error',
                offset: this.offset,
                message: `Unexpected ${this.type} token in YAML document`,
                source: this.source
            };
        }
    }
    *scalar(scalar) {
        if (this.type === 'map-value-ind') {
            const prev = getPrevProps(this.peek(2));
            const start = getFirstKeyStartProps(prev);
            let sep;
            if (scalar.end) {
                sep = scalar.end;
                sep.push(this.sourceToken);
                delete scalar.end;
            }
            else
                sep = [this.sourceToken];
            const map = {
                type: 'block-map',
                offset: scalar.offset,
                indent: scalar.indent,
                items: [{ start, key: scalar, sep }]
            };
            this.onKeyLine = true;
            this.stack[this.stack.length - 1] = map;
        }
        else
            yield* this.lineEnd(scalar);
    }
    *blockScalar(scalar) {
        switch (this.type) {
            case 'space':
            case 'comment':
            case 'newline':
                scalar.props.push(this.sourceToken);
                return;
            case 'scalar':
                scalar.source = this.source;
                // block-scalar source includes trailing newline
                this.atNewLine = true;
                this.indent = 0;
                if (this.onNewLine) {
                    let nl = this.source.indexOf('\n') + 1;
                    while (nl !== 0) {
                        this.onNewLine(this.offset + nl);
                        nl = this.source.indexOf('\n', nl) + 1;
                    }
                }
                yield* this.pop();
                break;
            /* istanbul ignore next should not happen */
            default:
                yield* this.pop();
                yield* this.step();
        }
    }
    *blockMap(map) {
        const it = map.items[map.items.length - 1];
        // it.sep is true-ish if pair already has key or : separator
        switch (this.type) {
            case 'newline':
                this.onKeyLine = false;
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    it.start.push(this.sourceToken);
                }
                return;
            case 'space':
            case 'comment':
                if (it.value) {
                    map.items.push({ start: [this.sourceToken] });
                }
                else if (it.sep) {
                    it.sep.push(this.sourceToken);
                }
                else {
                    if (this.atIndentedComment(it.start, map.indent)) {
                        const prev = map.items[map.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            map.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
        }
        if (this.indent >= map.indent) {
            const atMapIndent = !this.onKeyLine && this.indent === map.indent;
            const atNextItem = atMapIndent &&
                (it.sep || it.explicitKey) &&
                this.type !== 'seq-item-ind';
            // For empty nodes, assign newline-separated not indented empty tokens to following node
            let start = [];
            if (atNextItem && it.sep && !it.value) {
                const nl = [];
                for (let i = 0; i < it.sep.length; ++i) {
                    const st = it.sep[i];
                    switch (st.type) {
                        case 'newline':
                            nl.push(i);
                            break;
                        case 'space':
                            break;
                        case 'comment':
                            if (st.indent > map.indent)
                                nl.length = 0;
                            break;
                        default:
                            nl.length = 0;
                    }
                }
                if (nl.length >= 2)
                    start = it.sep.splice(nl[1]);
            }
            switch (this.type) {
                case 'anchor':
                case 'tag':
                    if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        it.sep.push(this.sourceToken);
                    }
                    else {
                        it.start.push(this.sourceToken);
                    }
                    return;
                case 'explicit-key-ind':
                    if (!it.sep && !it.explicitKey) {
                        it.start.push(this.sourceToken);
                        it.explicitKey = true;
                    }
                    else if (atNextItem || it.value) {
                        start.push(this.sourceToken);
                        map.items.push({ start, explicitKey: true });
                    }
                    else {
                        this.stack.push({
                            type: 'block-map',
                            offset: this.offset,
                            indent: this.indent,
                            items: [{ start: [this.sourceToken], explicitKey: true }]
                        });
                    }
                    this.onKeyLine = true;
                    return;
                case 'map-value-ind':
                    if (it.explicitKey) {
                        if (!it.sep) {
                            if (includesToken(it.start, 'newline')) {
                                Object.assign(it, { key: null, sep: [this.sourceToken] });
                            }
                            else {
                                const start = getFirstKeyStartProps(it.start);
                                this.stack.push({
                                    type: 'block-map',
                                    offset: this.offset,
                                    indent: this.indent,
                                    items: [{ start, key: null, sep: [this.sourceToken] }]
                                });
                            }
                        }
                        else if (it.value) {
                            map.items.push({ start: [], key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else if (isFlowToken(it.key) &&
                            !includesToken(it.sep, 'newline')) {
                            const start = getFirstKeyStartProps(it.start);
                            const key = it.key;
                            const sep = it.sep;
                            sep.push(this.sourceToken);
                            // @ts-expect-error type guard is wrong here
                            delete it.key;
                            // @ts-expect-error type guard is wrong here
                            delete it.sep;
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start, key, sep }]
                            });
                        }
                        else if (start.length > 0) {
                            // Not actually at next item
                            it.sep = it.sep.concat(start, this.sourceToken);
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    else {
                        if (!it.sep) {
                            Object.assign(it, { key: null, sep: [this.sourceToken] });
                        }
                        else if (it.value || atNextItem) {
                            map.items.push({ start, key: null, sep: [this.sourceToken] });
                        }
                        else if (includesToken(it.sep, 'map-value-ind')) {
                            this.stack.push({
                                type: 'block-map',
                                offset: this.offset,
                                indent: this.indent,
                                items: [{ start: [], key: null, sep: [this.sourceToken] }]
                            });
                        }
                        else {
                            it.sep.push(this.sourceToken);
                        }
                    }
                    this.onKeyLine = true;
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (atNextItem || it.value) {
                        map.items.push({ start, key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    else if (it.sep) {
                        this.stack.push(fs);
                    }
                    else {
                        Object.assign(it, { key: fs, sep: [] });
                        this.onKeyLine = true;
                    }
                    return;
                }
                default: {
                    const bv = this.startBlockValue(map);
                    if (bv) {
                        if (bv.type === 'block-seq') {
                            if (!it.explicitKey &&
                                it.sep &&
                                !includesToken(it.sep, 'newline')) {
                                yield* this.pop({
                                    type: 'error',
                                    offset: this.offset,
                                    message: 'Unexpected block-seq-ind on same line with key',
                                    source: this.source
                                });
                                return;
                            }
                        }
                        else if (atMapIndent) {
                            map.items.push({ start });
                        }
                        this.stack.push(bv);
                        return;
                    }
                }
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *blockSequence(seq) {
        const it = seq.items[seq.items.length - 1];
        switch (this.type) {
            case 'newline':
                if (it.value) {
                    const end = 'end' in it.value ? it.value.end : undefined;
                    const last = Array.isArray(end) ? end[end.length - 1] : undefined;
                    if (last?.type === 'comment')
                        end?.push(this.sourceToken);
                    else
                        seq.items.push({ start: [this.sourceToken] });
                }
                else
                    it.start.push(this.sourceToken);
                return;
            case 'space':
            case 'comment':
                if (it.value)
                    seq.items.push({ start: [this.sourceToken] });
                else {
                    if (this.atIndentedComment(it.start, seq.indent)) {
                        const prev = seq.items[seq.items.length - 2];
                        const end = prev?.value?.end;
                        if (Array.isArray(end)) {
                            arrayPushArray(end, it.start);
                            end.push(this.sourceToken);
                            seq.items.pop();
                            return;
                        }
                    }
                    it.start.push(this.sourceToken);
                }
                return;
            case 'anchor':
            case 'tag':
                if (it.value || this.indent <= seq.indent)
                    break;
                it.start.push(this.sourceToken);
                return;
            case 'seq-item-ind':
                if (this.indent !== seq.indent)
                    break;
                if (it.value || includesToken(it.start, 'seq-item-ind'))
                    seq.items.push({ start: [this.sourceToken] });
                else
                    it.start.push(this.sourceToken);
                return;
        }
        if (this.indent > seq.indent) {
            const bv = this.startBlockValue(seq);
            if (bv) {
                this.stack.push(bv);
                return;
            }
        }
        yield* this.pop();
        yield* this.step();
    }
    *flowCollection(fc) {
        const it = fc.items[fc.items.length - 1];
        if (this.type === 'flow-error-end') {
            let top;
            do {
                yield* this.pop();
                top = this.peek(1);
            } while (top?.type === 'flow-collection');
        }
        else if (fc.end.length === 0) {
            switch (this.type) {
                case 'comma':
                case 'explicit-key-ind':
                    if (!it || it.sep)
                        fc.items.push({ start: [this.sourceToken] });
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'map-value-ind':
                    if (!it || it.value)
                        fc.items.push({ start: [], key: null, sep: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        Object.assign(it, { key: null, sep: [this.sourceToken] });
                    return;
                case 'space':
                case 'comment':
                case 'newline':
                case 'anchor':
                case 'tag':
                    if (!it || it.value)
                        fc.items.push({ start: [this.sourceToken] });
                    else if (it.sep)
                        it.sep.push(this.sourceToken);
                    else
                        it.start.push(this.sourceToken);
                    return;
                case 'alias':
                case 'scalar':
                case 'single-quoted-scalar':
                case 'double-quoted-scalar': {
                    const fs = this.flowScalar(this.type);
                    if (!it || it.value)
                        fc.items.push({ start: [], key: fs, sep: [] });
                    else if (it.sep)
                        this.stack.push(fs);
                    else
                        Object.assign(it, { key: fs, sep: [] });
                    return;
                }
                case 'flow-map-end':
                case 'flow-seq-end':
                    fc.end.push(this.sourceToken);
                    return;
            }
            const bv = this.startBlockValue(fc);
            /* istanbul ignore else should not happen */
            if (bv)
                this.stack.push(bv);
            else {
                yield* this.pop();
                yield* this.step();
            }
        }
        else {
            const parent = this.peek(2);
            if (parent.type === 'block-map' &&
                ((this.type === 'map-value-ind' && parent.indent === fc.indent) ||
                    (this.type === 'newline' &&
                        !parent.items[parent.items.length - 1].sep))) {
                yield* this.pop();
                yield* this.step();
            }
            else if (this.type === 'map-value-ind' &&
                parent.type !== 'flow-collection') {
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                fixFlowSeqItems(fc);
                const sep = fc.end.splice(1, fc.end.length);
                sep.push(this.sourceToken);
                const map = {
                    type: 'block-map',
                    offset: fc.offset,
                    indent: fc.indent,
                    items: [{ start, key: fc, sep }]
                };
                this.onKeyLine = true;
                this.stack[this.stack.length - 1] = map;
            }
            else {
                yield* this.lineEnd(fc);
            }
        }
    }
    flowScalar(type) {
        if (this.onNewLine) {
            let nl = this.source.indexOf('\n') + 1;
            while (nl !== 0) {
                this.onNewLine(this.offset + nl);
                nl = this.source.indexOf('\n', nl) + 1;
            }
        }
        return {
            type,
            offset: this.offset,
            indent: this.indent,
            source: this.source
        };
    }
    startBlockValue(parent) {
        switch (this.type) {
            case 'alias':
            case 'scalar':
            case 'single-quoted-scalar':
            case 'double-quoted-scalar':
                return this.flowScalar(this.type);
            case 'block-scalar-header':
                return {
                    type: 'block-scalar',
                    offset: this.offset,
                    indent: this.indent,
                    props: [this.sourceToken],
                    source: ''
                };
            case 'flow-map-start':
            case 'flow-seq-start':
                return {
                    type: 'flow-collection',
                    offset: this.offset,
                    indent: this.indent,
                    start: this.sourceToken,
                    items: [],
                    end: []
                };
            case 'seq-item-ind':
                return {
                    type: 'block-seq',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start: [this.sourceToken] }]
                };
            case 'explicit-key-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                start.push(this.sourceToken);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, explicitKey: true }]
                };
            }
            case 'map-value-ind': {
                this.onKeyLine = true;
                const prev = getPrevProps(parent);
                const start = getFirstKeyStartProps(prev);
                return {
                    type: 'block-map',
                    offset: this.offset,
                    indent: this.indent,
                    items: [{ start, key: null, sep: [this.sourceToken] }]
                };
            }
        }
        return null;
    }
    atIndentedComment(start, indent) {
        if (this.type !== 'comment')
            return false;
        if (this.indent <= indent)
            return false;
        return start.every(st => st.type === 'newline' || st.type === 'space');
    }
    *documentEnd(docEnd) {
        if (this.type !== 'doc-mode') {
            if (docEnd.end)
                docEnd.end.push(this.sourceToken);
            else
                docEnd.end = [this.sourceToken];
            if (this.type === 'newline')
                yield* this.pop();
        }
    }
    *lineEnd(token) {
        switch (this.type) {
            case 'comma':
            case 'doc-start':
            case 'doc-end':
            case 'flow-seq-end':
            case 'flow-map-end':
            case 'map-value-ind':
                yield* this.pop();
                yield* this.step();
                break;
            case 'newline':
                this.onKeyLine = false;
            // fallthrough
            case 'space':
            case 'comment':
            default:
                // all other values are errors
                if (token.end)
                    token.end.push(this.sourceToken);
                else
                    token.end = [this.sourceToken];
                if (this.type === 'newline')
                    yield* this.pop();
        }
    }
}

exports.Parser = Parser;


/***/ }),

/***/ 4047:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var composer = __nccwpck_require__(9984);
var Document = __nccwpck_require__(3021);
var errors = __nccwpck_require__(1464);
var log = __nccwpck_require__(7249);
var identity = __nccwpck_require__(1127);
var lineCounter = __nccwpck_require__(6628);
var parser = __nccwpck_require__(3456);

function parseOptions(options) {
    const prettyErrors = options.prettyErrors !== false;
    const lineCounter$1 = options.lineCounter || (prettyErrors && new lineCounter.LineCounter()) || null;
    return { lineCounter: lineCounter$1, prettyErrors };
}
/**
 * Parse the input as a stream of YAML documents.
 *
 * Documents should be separated from each other by `...` or `---` marker lines.
 *
 * @returns If an empty `docs` array is returned, it will be of type
 *   EmptyStream and contain additional stream information. In
 *   TypeScript, you should use `'empty' in docs` as a type guard for it.
 */
function parseAllDocuments(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    const docs = Array.from(composer$1.compose(parser$1.parse(source)));
    if (prettyErrors && lineCounter)
        for (const doc of docs) {
            doc.errors.forEach(errors.prettifyError(source, lineCounter));
            doc.warnings.forEach(errors.prettifyError(source, lineCounter));
        }
    if (docs.length > 0)
        return docs;
    return Object.assign([], { empty: true }, composer$1.streamInfo());
}
/** Parse an input string into a single YAML.Document */
function parseDocument(source, options = {}) {
    const { lineCounter, prettyErrors } = parseOptions(options);
    const parser$1 = new parser.Parser(lineCounter?.addNewLine);
    const composer$1 = new composer.Composer(options);
    // `doc` is always set by compose.end(true) at the very latest
    let doc = null;
    for (const _doc of composer$1.compose(parser$1.parse(source), true, source.length)) {
        if (!doc)
            doc = _doc;
        else if (doc.options.logLevel !== 'silent') {
            doc.errors.push(new errors.YAMLParseError(_doc.range.slice(0, 2), 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
            break;
        }
    }
    if (prettyErrors && lineCounter) {
        doc.errors.forEach(errors.prettifyError(source, lineCounter));
        doc.warnings.forEach(errors.prettifyError(source, lineCounter));
    }
    return doc;
}
function parse(src, reviver, options) {
    let _reviver = undefined;
    if (typeof reviver === 'function') {
        _reviver = reviver;
    }
    else if (options === undefined && reviver && typeof reviver === 'object') {
        options = reviver;
    }
    const doc = parseDocument(src, options);
    if (!doc)
        return null;
    doc.warnings.forEach(warning => log.warn(doc.options.logLevel, warning));
    if (doc.errors.length > 0) {
        if (doc.options.logLevel !== 'silent')
            throw doc.errors[0];
        else
            doc.errors = [];
    }
    return doc.toJS(Object.assign({ reviver: _reviver }, options));
}
function stringify(value, replacer, options) {
    let _replacer = null;
    if (typeof replacer === 'function' || Array.isArray(replacer)) {
        _replacer = replacer;
    }
    else if (options === undefined && replacer) {
        options = replacer;
    }
    if (typeof options === 'string')
        options = options.length;
    if (typeof options === 'number') {
        const indent = Math.round(options);
        options = indent < 1 ? undefined : indent > 8 ? { indent: 8 } : { indent };
    }
    if (value === undefined) {
        const { keepUndefined } = options ?? replacer ?? {};
        if (!keepUndefined)
            return undefined;
    }
    if (identity.isDocument(value) && !_replacer)
        return value.toString(options);
    return new Document.Document(value, _replacer, options).toString(options);
}

exports.parse = parse;
exports.parseAllDocuments = parseAllDocuments;
exports.parseDocument = parseDocument;
exports.stringify = stringify;


/***/ }),

/***/ 5840:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var tags = __nccwpck_require__(18);

const sortMapEntriesByKey = (a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
class Schema {
    constructor({ compat, customTags, merge, resolveKnownTags, schema, sortMapEntries, toStringDefaults }) {
        this.compat = Array.isArray(compat)
            ? tags.getTags(compat, 'compat')
            : compat
                ? tags.getTags(null, compat)
                : null;
        this.name = (typeof schema === 'string' && schema) || 'core';
        this.knownTags = resolveKnownTags ? tags.coreKnownTags : {};
        this.tags = tags.getTags(customTags, this.name, merge);
        this.toStringOptions = toStringDefaults ?? null;
        Object.defineProperty(this, identity.MAP, { value: map.map });
        Object.defineProperty(this, identity.SCALAR, { value: string.string });
        Object.defineProperty(this, identity.SEQ, { value: seq.seq });
        // Used by createMap()
        this.sortMapEntries =
            typeof sortMapEntries === 'function'
                ? sortMapEntries
                : sortMapEntries === true
                    ? sortMapEntriesByKey
                    : null;
    }
    clone() {
        const copy = Object.create(Schema.prototype, Object.getOwnPropertyDescriptors(this));
        copy.tags = this.tags.slice();
        return copy;
    }
}

exports.Schema = Schema;


/***/ }),

/***/ 7451:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLMap = __nccwpck_require__(4454);

const map = {
    collection: 'map',
    default: true,
    nodeClass: YAMLMap.YAMLMap,
    tag: 'tag:yaml.org,2002:map',
    resolve(map, onError) {
        if (!identity.isMap(map))
            onError('Expected a mapping for this tag');
        return map;
    },
    createNode: (schema, obj, ctx) => YAMLMap.YAMLMap.from(schema, obj, ctx)
};

exports.map = map;


/***/ }),

/***/ 3632:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const nullTag = {
    identify: value => value == null,
    createNode: () => new Scalar.Scalar(null),
    default: true,
    tag: 'tag:yaml.org,2002:null',
    test: /^(?:~|[Nn]ull|NULL)?$/,
    resolve: () => new Scalar.Scalar(null),
    stringify: ({ source }, ctx) => typeof source === 'string' && nullTag.test.test(source)
        ? source
        : ctx.options.nullStr
};

exports.nullTag = nullTag;


/***/ }),

/***/ 1706:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var YAMLSeq = __nccwpck_require__(2223);

const seq = {
    collection: 'seq',
    default: true,
    nodeClass: YAMLSeq.YAMLSeq,
    tag: 'tag:yaml.org,2002:seq',
    resolve(seq, onError) {
        if (!identity.isSeq(seq))
            onError('Expected a sequence for this tag');
        return seq;
    },
    createNode: (schema, obj, ctx) => YAMLSeq.YAMLSeq.from(schema, obj, ctx)
};

exports.seq = seq;


/***/ }),

/***/ 6464:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyString = __nccwpck_require__(3069);

const string = {
    identify: value => typeof value === 'string',
    default: true,
    tag: 'tag:yaml.org,2002:str',
    resolve: str => str,
    stringify(item, ctx, onComment, onChompKeep) {
        ctx = Object.assign({ actualString: true }, ctx);
        return stringifyString.stringifyString(item, ctx, onComment, onChompKeep);
    }
};

exports.string = string;


/***/ }),

/***/ 3959:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

const boolTag = {
    identify: value => typeof value === 'boolean',
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    resolve: str => new Scalar.Scalar(str[0] === 't' || str[0] === 'T'),
    stringify({ source, value }, ctx) {
        if (source && boolTag.test.test(source)) {
            const sv = source[0] === 't' || source[0] === 'T';
            if (value === sv)
                return source;
        }
        return value ? ctx.options.trueStr : ctx.options.falseStr;
    }
};

exports.boolTag = boolTag;


/***/ }),

/***/ 8405:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: str => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    resolve: str => parseFloat(str),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str));
        const dot = str.indexOf('.');
        if (dot !== -1 && str[str.length - 1] === '0')
            node.minFractionDigits = str.length - dot - 1;
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 9874:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
const intResolve = (str, offset, radix, { intAsBigInt }) => (intAsBigInt ? BigInt(str) : parseInt(str.substring(offset), radix));
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value) && value >= 0)
        return prefix + value.toString(radix);
    return stringifyNumber.stringifyNumber(node);
}
const intOct = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^0o[0-7]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 8, opt),
    stringify: node => intStringify(node, 8, '0o')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: value => intIdentify(value) && value >= 0,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^0x[0-9a-fA-F]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 896:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.boolTag,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float
];

exports.schema = schema;


/***/ }),

/***/ 3559:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var map = __nccwpck_require__(7451);
var seq = __nccwpck_require__(1706);

function intIdentify(value) {
    return typeof value === 'bigint' || Number.isInteger(value);
}
const stringifyJSON = ({ value }) => JSON.stringify(value);
const jsonScalars = [
    {
        identify: value => typeof value === 'string',
        default: true,
        tag: 'tag:yaml.org,2002:str',
        resolve: str => str,
        stringify: stringifyJSON
    },
    {
        identify: value => value == null,
        createNode: () => new Scalar.Scalar(null),
        default: true,
        tag: 'tag:yaml.org,2002:null',
        test: /^null$/,
        resolve: () => null,
        stringify: stringifyJSON
    },
    {
        identify: value => typeof value === 'boolean',
        default: true,
        tag: 'tag:yaml.org,2002:bool',
        test: /^true$|^false$/,
        resolve: str => str === 'true',
        stringify: stringifyJSON
    },
    {
        identify: intIdentify,
        default: true,
        tag: 'tag:yaml.org,2002:int',
        test: /^-?(?:0|[1-9][0-9]*)$/,
        resolve: (str, _onError, { intAsBigInt }) => intAsBigInt ? BigInt(str) : parseInt(str, 10),
        stringify: ({ value }) => intIdentify(value) ? value.toString() : JSON.stringify(value)
    },
    {
        identify: value => typeof value === 'number',
        default: true,
        tag: 'tag:yaml.org,2002:float',
        test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/,
        resolve: str => parseFloat(str),
        stringify: stringifyJSON
    }
];
const jsonError = {
    default: true,
    tag: '',
    test: /^/,
    resolve(str, onError) {
        onError(`Unresolved plain scalar ${JSON.stringify(str)}`);
        return str;
    }
};
const schema = [map.map, seq.seq].concat(jsonScalars, jsonError);

exports.schema = schema;


/***/ }),

/***/ 18:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var bool = __nccwpck_require__(3959);
var float = __nccwpck_require__(8405);
var int = __nccwpck_require__(9874);
var schema = __nccwpck_require__(896);
var schema$1 = __nccwpck_require__(3559);
var binary = __nccwpck_require__(6083);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var schema$2 = __nccwpck_require__(5913);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schemas = new Map([
    ['core', schema.schema],
    ['failsafe', [map.map, seq.seq, string.string]],
    ['json', schema$1.schema],
    ['yaml11', schema$2.schema],
    ['yaml-1.1', schema$2.schema]
]);
const tagsByName = {
    binary: binary.binary,
    bool: bool.boolTag,
    float: float.float,
    floatExp: float.floatExp,
    floatNaN: float.floatNaN,
    floatTime: timestamp.floatTime,
    int: int.int,
    intHex: int.intHex,
    intOct: int.intOct,
    intTime: timestamp.intTime,
    map: map.map,
    merge: merge.merge,
    null: _null.nullTag,
    omap: omap.omap,
    pairs: pairs.pairs,
    seq: seq.seq,
    set: set.set,
    timestamp: timestamp.timestamp
};
const coreKnownTags = {
    'tag:yaml.org,2002:binary': binary.binary,
    'tag:yaml.org,2002:merge': merge.merge,
    'tag:yaml.org,2002:omap': omap.omap,
    'tag:yaml.org,2002:pairs': pairs.pairs,
    'tag:yaml.org,2002:set': set.set,
    'tag:yaml.org,2002:timestamp': timestamp.timestamp
};
function getTags(customTags, schemaName, addMergeTag) {
    const schemaTags = schemas.get(schemaName);
    if (schemaTags && !customTags) {
        return addMergeTag && !schemaTags.includes(merge.merge)
            ? schemaTags.concat(merge.merge)
            : schemaTags.slice();
    }
    let tags = schemaTags;
    if (!tags) {
        if (Array.isArray(customTags))
            tags = [];
        else {
            const keys = Array.from(schemas.keys())
                .filter(key => key !== 'yaml11')
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown schema "${schemaName}"; use one of ${keys} or define customTags array`);
        }
    }
    if (Array.isArray(customTags)) {
        for (const tag of customTags)
            tags = tags.concat(tag);
    }
    else if (typeof customTags === 'function') {
        tags = customTags(tags.slice());
    }
    if (addMergeTag)
        tags = tags.concat(merge.merge);
    return tags.reduce((tags, tag) => {
        const tagObj = typeof tag === 'string' ? tagsByName[tag] : tag;
        if (!tagObj) {
            const tagName = JSON.stringify(tag);
            const keys = Object.keys(tagsByName)
                .map(key => JSON.stringify(key))
                .join(', ');
            throw new Error(`Unknown custom tag ${tagName}; use one of ${keys}`);
        }
        if (!tags.includes(tagObj))
            tags.push(tagObj);
        return tags;
    }, []);
}

exports.coreKnownTags = coreKnownTags;
exports.getTags = getTags;


/***/ }),

/***/ 6083:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var node_buffer = __nccwpck_require__(181);
var Scalar = __nccwpck_require__(3301);
var stringifyString = __nccwpck_require__(3069);

const binary = {
    identify: value => value instanceof Uint8Array, // Buffer inherits from Uint8Array
    default: false,
    tag: 'tag:yaml.org,2002:binary',
    /**
     * Returns a Buffer in node and an Uint8Array in browsers
     *
     * To use the resulting buffer as an image, you'll want to do something like:
     *
     *   const blob = new Blob([buffer], { type: 'image/jpeg' })
     *   document.querySelector('#photo').src = URL.createObjectURL(blob)
     */
    resolve(src, onError) {
        if (typeof node_buffer.Buffer === 'function') {
            return node_buffer.Buffer.from(src, 'base64');
        }
        else if (typeof atob === 'function') {
            // On IE 11, atob() can't handle newlines
            const str = atob(src.replace(/[\n\r]/g, ''));
            const buffer = new Uint8Array(str.length);
            for (let i = 0; i < str.length; ++i)
                buffer[i] = str.charCodeAt(i);
            return buffer;
        }
        else {
            onError('This environment does not support reading binary tags; either Buffer or atob is required');
            return src;
        }
    },
    stringify({ comment, type, value }, ctx, onComment, onChompKeep) {
        if (!value)
            return '';
        const buf = value; // checked earlier by binary.identify()
        let str;
        if (typeof node_buffer.Buffer === 'function') {
            str =
                buf instanceof node_buffer.Buffer
                    ? buf.toString('base64')
                    : node_buffer.Buffer.from(buf.buffer).toString('base64');
        }
        else if (typeof btoa === 'function') {
            let s = '';
            for (let i = 0; i < buf.length; ++i)
                s += String.fromCharCode(buf[i]);
            str = btoa(s);
        }
        else {
            throw new Error('This environment does not support writing binary tags; either Buffer or btoa is required');
        }
        type ?? (type = Scalar.Scalar.BLOCK_LITERAL);
        if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
            const lineWidth = Math.max(ctx.options.lineWidth - ctx.indent.length, ctx.options.minContentWidth);
            const n = Math.ceil(str.length / lineWidth);
            const lines = new Array(n);
            for (let i = 0, o = 0; i < n; ++i, o += lineWidth) {
                lines[i] = str.substr(o, lineWidth);
            }
            str = lines.join(type === Scalar.Scalar.BLOCK_LITERAL ? '\n' : ' ');
        }
        return stringifyString.stringifyString({ comment, type, value: str }, ctx, onComment, onChompKeep);
    }
};

exports.binary = binary;


/***/ }),

/***/ 8398:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);

function boolStringify({ value, source }, ctx) {
    const boolObj = value ? trueTag : falseTag;
    if (source && boolObj.test.test(source))
        return source;
    return value ? ctx.options.trueStr : ctx.options.falseStr;
}
const trueTag = {
    identify: value => value === true,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    resolve: () => new Scalar.Scalar(true),
    stringify: boolStringify
};
const falseTag = {
    identify: value => value === false,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    resolve: () => new Scalar.Scalar(false),
    stringify: boolStringify
};

exports.falseTag = falseTag;
exports.trueTag = trueTag;


/***/ }),

/***/ 5782:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var stringifyNumber = __nccwpck_require__(8689);

const floatNaN = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (str) => str.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : str[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    stringify: stringifyNumber.stringifyNumber
};
const floatExp = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'EXP',
    test: /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    resolve: (str) => parseFloat(str.replace(/_/g, '')),
    stringify(node) {
        const num = Number(node.value);
        return isFinite(num) ? num.toExponential() : stringifyNumber.stringifyNumber(node);
    }
};
const float = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    test: /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    resolve(str) {
        const node = new Scalar.Scalar(parseFloat(str.replace(/_/g, '')));
        const dot = str.indexOf('.');
        if (dot !== -1) {
            const f = str.substring(dot + 1).replace(/_/g, '');
            if (f[f.length - 1] === '0')
                node.minFractionDigits = f.length;
        }
        return node;
    },
    stringify: stringifyNumber.stringifyNumber
};

exports.float = float;
exports.floatExp = floatExp;
exports.floatNaN = floatNaN;


/***/ }),

/***/ 873:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

const intIdentify = (value) => typeof value === 'bigint' || Number.isInteger(value);
function intResolve(str, offset, radix, { intAsBigInt }) {
    const sign = str[0];
    if (sign === '-' || sign === '+')
        offset += 1;
    str = str.substring(offset).replace(/_/g, '');
    if (intAsBigInt) {
        switch (radix) {
            case 2:
                str = `0b${str}`;
                break;
            case 8:
                str = `0o${str}`;
                break;
            case 16:
                str = `0x${str}`;
                break;
        }
        const n = BigInt(str);
        return sign === '-' ? BigInt(-1) * n : n;
    }
    const n = parseInt(str, radix);
    return sign === '-' ? -1 * n : n;
}
function intStringify(node, radix, prefix) {
    const { value } = node;
    if (intIdentify(value)) {
        const str = value.toString(radix);
        return value < 0 ? '-' + prefix + str.substr(1) : prefix + str;
    }
    return stringifyNumber.stringifyNumber(node);
}
const intBin = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'BIN',
    test: /^[-+]?0b[0-1_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 2, opt),
    stringify: node => intStringify(node, 2, '0b')
};
const intOct = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'OCT',
    test: /^[-+]?0[0-7_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 1, 8, opt),
    stringify: node => intStringify(node, 8, '0')
};
const int = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    test: /^[-+]?[0-9][0-9_]*$/,
    resolve: (str, _onError, opt) => intResolve(str, 0, 10, opt),
    stringify: stringifyNumber.stringifyNumber
};
const intHex = {
    identify: intIdentify,
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'HEX',
    test: /^[-+]?0x[0-9a-fA-F_]+$/,
    resolve: (str, _onError, opt) => intResolve(str, 2, 16, opt),
    stringify: node => intStringify(node, 16, '0x')
};

exports.int = int;
exports.intBin = intBin;
exports.intHex = intHex;
exports.intOct = intOct;


/***/ }),

/***/ 452:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);

// If the value associated with a merge key is a single mapping node, each of
// its key/value pairs is inserted into the current mapping, unless the key
// already exists in it. If the value associated with the merge key is a
// sequence, then this sequence is expected to contain mapping nodes and each
// of these nodes is merged in turn according to its order in the sequence.
// Keys in mapping nodes earlier in the sequence override keys specified in
// later mapping nodes. -- http://yaml.org/type/merge.html
const MERGE_KEY = '<<';
const merge = {
    identify: value => value === MERGE_KEY ||
        (typeof value === 'symbol' && value.description === MERGE_KEY),
    default: 'key',
    tag: 'tag:yaml.org,2002:merge',
    test: /^<<$/,
    resolve: () => Object.assign(new Scalar.Scalar(Symbol(MERGE_KEY)), {
        addToJSMap: addMergeToJSMap
    }),
    stringify: () => MERGE_KEY
};
const isMergeKey = (ctx, key) => (merge.identify(key) ||
    (identity.isScalar(key) &&
        (!key.type || key.type === Scalar.Scalar.PLAIN) &&
        merge.identify(key.value))) &&
    ctx?.doc.schema.tags.some(tag => tag.tag === merge.tag && tag.default);
function addMergeToJSMap(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (identity.isSeq(source))
        for (const it of source.items)
            mergeValue(ctx, map, it);
    else if (Array.isArray(source))
        for (const it of source)
            mergeValue(ctx, map, it);
    else
        mergeValue(ctx, map, source);
}
function mergeValue(ctx, map, value) {
    const source = resolveAliasValue(ctx, value);
    if (!identity.isMap(source))
        throw new Error('Merge sources must be maps or map aliases');
    const srcMap = source.toJSON(null, ctx, Map);
    for (const [key, value] of srcMap) {
        if (map instanceof Map) {
            if (!map.has(key))
                map.set(key, value);
        }
        else if (map instanceof Set) {
            map.add(key);
        }
        else if (!Object.prototype.hasOwnProperty.call(map, key)) {
            Object.defineProperty(map, key, {
                value,
                writable: true,
                enumerable: true,
                configurable: true
            });
        }
    }
    return map;
}
function resolveAliasValue(ctx, value) {
    return ctx && identity.isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
}

exports.addMergeToJSMap = addMergeToJSMap;
exports.isMergeKey = isMergeKey;
exports.merge = merge;


/***/ }),

/***/ 303:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var toJS = __nccwpck_require__(4043);
var YAMLMap = __nccwpck_require__(4454);
var YAMLSeq = __nccwpck_require__(2223);
var pairs = __nccwpck_require__(8385);

class YAMLOMap extends YAMLSeq.YAMLSeq {
    constructor() {
        super();
        this.add = YAMLMap.YAMLMap.prototype.add.bind(this);
        this.delete = YAMLMap.YAMLMap.prototype.delete.bind(this);
        this.get = YAMLMap.YAMLMap.prototype.get.bind(this);
        this.has = YAMLMap.YAMLMap.prototype.has.bind(this);
        this.set = YAMLMap.YAMLMap.prototype.set.bind(this);
        this.tag = YAMLOMap.tag;
    }
    /**
     * If `ctx` is given, the return type is actually `Map<unknown, unknown>`,
     * but TypeScript won't allow widening the signature of a child method.
     */
    toJSON(_, ctx) {
        if (!ctx)
            return super.toJSON(_);
        const map = new Map();
        if (ctx?.onCreate)
            ctx.onCreate(map);
        for (const pair of this.items) {
            let key, value;
            if (identity.isPair(pair)) {
                key = toJS.toJS(pair.key, '', ctx);
                value = toJS.toJS(pair.value, key, ctx);
            }
            else {
                key = toJS.toJS(pair, '', ctx);
            }
            if (map.has(key))
                throw new Error('Ordered maps must not include duplicate keys');
            map.set(key, value);
        }
        return map;
    }
    static from(schema, iterable, ctx) {
        const pairs$1 = pairs.createPairs(schema, iterable, ctx);
        const omap = new this();
        omap.items = pairs$1.items;
        return omap;
    }
}
YAMLOMap.tag = 'tag:yaml.org,2002:omap';
const omap = {
    collection: 'seq',
    identify: value => value instanceof Map,
    nodeClass: YAMLOMap,
    default: false,
    tag: 'tag:yaml.org,2002:omap',
    resolve(seq, onError) {
        const pairs$1 = pairs.resolvePairs(seq, onError);
        const seenKeys = [];
        for (const { key } of pairs$1.items) {
            if (identity.isScalar(key)) {
                if (seenKeys.includes(key.value)) {
                    onError(`Ordered maps must not include duplicate keys: ${key.value}`);
                }
                else {
                    seenKeys.push(key.value);
                }
            }
        }
        return Object.assign(new YAMLOMap(), pairs$1);
    },
    createNode: (schema, iterable, ctx) => YAMLOMap.from(schema, iterable, ctx)
};

exports.YAMLOMap = YAMLOMap;
exports.omap = omap;


/***/ }),

/***/ 8385:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var Scalar = __nccwpck_require__(3301);
var YAMLSeq = __nccwpck_require__(2223);

function resolvePairs(seq, onError) {
    if (identity.isSeq(seq)) {
        for (let i = 0; i < seq.items.length; ++i) {
            let item = seq.items[i];
            if (identity.isPair(item))
                continue;
            else if (identity.isMap(item)) {
                if (item.items.length > 1)
                    onError('Each pair must have its own sequence indicator');
                const pair = item.items[0] || new Pair.Pair(new Scalar.Scalar(null));
                if (item.commentBefore)
                    pair.key.commentBefore = pair.key.commentBefore
                        ? `${item.commentBefore}\n${pair.key.commentBefore}`
                        : item.commentBefore;
                if (item.comment) {
                    const cn = pair.value ?? pair.key;
                    cn.comment = cn.comment
                        ? `${item.comment}\n${cn.comment}`
                        : item.comment;
                }
                item = pair;
            }
            seq.items[i] = identity.isPair(item) ? item : new Pair.Pair(item);
        }
    }
    else
        onError('Expected a sequence for this tag');
    return seq;
}
function createPairs(schema, iterable, ctx) {
    const { replacer } = ctx;
    const pairs = new YAMLSeq.YAMLSeq(schema);
    pairs.tag = 'tag:yaml.org,2002:pairs';
    let i = 0;
    if (iterable && Symbol.iterator in Object(iterable))
        for (let it of iterable) {
            if (typeof replacer === 'function')
                it = replacer.call(iterable, String(i++), it);
            let key, value;
            if (Array.isArray(it)) {
                if (it.length === 2) {
                    key = it[0];
                    value = it[1];
                }
                else
                    throw new TypeError(`Expected [key, value] tuple: ${it}`);
            }
            else if (it && it instanceof Object) {
                const keys = Object.keys(it);
                if (keys.length === 1) {
                    key = keys[0];
                    value = it[key];
                }
                else {
                    throw new TypeError(`Expected tuple with one key, not ${keys.length} keys`);
                }
            }
            else {
                key = it;
            }
            pairs.items.push(Pair.createPair(key, value, ctx));
        }
    return pairs;
}
const pairs = {
    collection: 'seq',
    default: false,
    tag: 'tag:yaml.org,2002:pairs',
    resolve: resolvePairs,
    createNode: createPairs
};

exports.createPairs = createPairs;
exports.pairs = pairs;
exports.resolvePairs = resolvePairs;


/***/ }),

/***/ 5913:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var map = __nccwpck_require__(7451);
var _null = __nccwpck_require__(3632);
var seq = __nccwpck_require__(1706);
var string = __nccwpck_require__(6464);
var binary = __nccwpck_require__(6083);
var bool = __nccwpck_require__(8398);
var float = __nccwpck_require__(5782);
var int = __nccwpck_require__(873);
var merge = __nccwpck_require__(452);
var omap = __nccwpck_require__(303);
var pairs = __nccwpck_require__(8385);
var set = __nccwpck_require__(1528);
var timestamp = __nccwpck_require__(6752);

const schema = [
    map.map,
    seq.seq,
    string.string,
    _null.nullTag,
    bool.trueTag,
    bool.falseTag,
    int.intBin,
    int.intOct,
    int.int,
    int.intHex,
    float.floatNaN,
    float.floatExp,
    float.float,
    binary.binary,
    merge.merge,
    omap.omap,
    pairs.pairs,
    set.set,
    timestamp.intTime,
    timestamp.floatTime,
    timestamp.timestamp
];

exports.schema = schema;


/***/ }),

/***/ 1528:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Pair = __nccwpck_require__(7165);
var YAMLMap = __nccwpck_require__(4454);

class YAMLSet extends YAMLMap.YAMLMap {
    constructor(schema) {
        super(schema);
        this.tag = YAMLSet.tag;
    }
    add(key) {
        let pair;
        if (identity.isPair(key))
            pair = key;
        else if (key &&
            typeof key === 'object' &&
            'key' in key &&
            'value' in key &&
            key.value === null)
            pair = new Pair.Pair(key.key, null);
        else
            pair = new Pair.Pair(key, null);
        const prev = YAMLMap.findPair(this.items, pair.key);
        if (!prev)
            this.items.push(pair);
    }
    /**
     * If `keepPair` is `true`, returns the Pair matching `key`.
     * Otherwise, returns the value of that Pair's key.
     */
    get(key, keepPair) {
        const pair = YAMLMap.findPair(this.items, key);
        return !keepPair && identity.isPair(pair)
            ? identity.isScalar(pair.key)
                ? pair.key.value
                : pair.key
            : pair;
    }
    set(key, value) {
        if (typeof value !== 'boolean')
            throw new Error(`Expected boolean value for set(key, value) in a YAML set, not ${typeof value}`);
        const prev = YAMLMap.findPair(this.items, key);
        if (prev && !value) {
            this.items.splice(this.items.indexOf(prev), 1);
        }
        else if (!prev && value) {
            this.items.push(new Pair.Pair(key));
        }
    }
    toJSON(_, ctx) {
        return super.toJSON(_, ctx, Set);
    }
    toString(ctx, onComment, onChompKeep) {
        if (!ctx)
            return JSON.stringify(this);
        if (this.hasAllNullValues(true))
            return super.toString(Object.assign({}, ctx, { allNullValues: true }), onComment, onChompKeep);
        else
            throw new Error('Set items must all have null values');
    }
    static from(schema, iterable, ctx) {
        const { replacer } = ctx;
        const set = new this(schema);
        if (iterable && Symbol.iterator in Object(iterable))
            for (let value of iterable) {
                if (typeof replacer === 'function')
                    value = replacer.call(iterable, value, value);
                set.items.push(Pair.createPair(value, null, ctx));
            }
        return set;
    }
}
YAMLSet.tag = 'tag:yaml.org,2002:set';
const set = {
    collection: 'map',
    identify: value => value instanceof Set,
    nodeClass: YAMLSet,
    default: false,
    tag: 'tag:yaml.org,2002:set',
    createNode: (schema, iterable, ctx) => YAMLSet.from(schema, iterable, ctx),
    resolve(map, onError) {
        if (identity.isMap(map)) {
            if (map.hasAllNullValues(true))
                return Object.assign(new YAMLSet(), map);
            else
                onError('Set items must all have null values');
        }
        else
            onError('Expected a mapping for this tag');
        return map;
    }
};

exports.YAMLSet = YAMLSet;
exports.set = set;


/***/ }),

/***/ 6752:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var stringifyNumber = __nccwpck_require__(8689);

/** Internal types handle bigint as number, because TS can't figure it out. */
function parseSexagesimal(str, asBigInt) {
    const sign = str[0];
    const parts = sign === '-' || sign === '+' ? str.substring(1) : str;
    const num = (n) => asBigInt ? BigInt(n) : Number(n);
    const res = parts
        .replace(/_/g, '')
        .split(':')
        .reduce((res, p) => res * num(60) + num(p), num(0));
    return (sign === '-' ? num(-1) * res : res);
}
/**
 * hhhh:mm:ss.sss
 *
 * Internal types handle bigint as number, because TS can't figure it out.
 */
function stringifySexagesimal(node) {
    let { value } = node;
    let num = (n) => n;
    if (typeof value === 'bigint')
        num = n => BigInt(n);
    else if (isNaN(value) || !isFinite(value))
        return stringifyNumber.stringifyNumber(node);
    let sign = '';
    if (value < 0) {
        sign = '-';
        value *= num(-1);
    }
    const _60 = num(60);
    const parts = [value % _60]; // seconds, including ms
    if (value < 60) {
        parts.unshift(0); // at least one : is required
    }
    else {
        value = (value - parts[0]) / _60;
        parts.unshift(value % _60); // minutes
        if (value >= 60) {
            value = (value - parts[0]) / _60;
            parts.unshift(value); // hours
        }
    }
    return (sign +
        parts
            .map(n => String(n).padStart(2, '0'))
            .join(':')
            .replace(/000000\d*$/, '') // % 60 may introduce error
    );
}
const intTime = {
    identify: value => typeof value === 'bigint' || Number.isInteger(value),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    resolve: (str, _onError, { intAsBigInt }) => parseSexagesimal(str, intAsBigInt),
    stringify: stringifySexagesimal
};
const floatTime = {
    identify: value => typeof value === 'number',
    default: true,
    tag: 'tag:yaml.org,2002:float',
    format: 'TIME',
    test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    resolve: str => parseSexagesimal(str, false),
    stringify: stringifySexagesimal
};
const timestamp = {
    identify: value => value instanceof Date,
    default: true,
    tag: 'tag:yaml.org,2002:timestamp',
    // If the time zone is omitted, the timestamp is assumed to be specified in UTC. The time part
    // may be omitted altogether, resulting in a date format. In such a case, the time part is
    // assumed to be 00:00:00Z (start of day, UTC).
    test: RegExp('^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})' + // YYYY-Mm-Dd
        '(?:' + // time is optional
        '(?:t|T|[ \\t]+)' + // t | T | whitespace
        '([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)' + // Hh:Mm:Ss(.ss)?
        '(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?' + // Z | +5 | -03:30
        ')?$'),
    resolve(str) {
        const match = str.match(timestamp.test);
        if (!match)
            throw new Error('!!timestamp expects a date, starting with yyyy-mm-dd');
        const [, year, month, day, hour, minute, second] = match.map(Number);
        const millisec = match[7] ? Number((match[7] + '00').substr(1, 3)) : 0;
        let date = Date.UTC(year, month - 1, day, hour || 0, minute || 0, second || 0, millisec);
        const tz = match[8];
        if (tz && tz !== 'Z') {
            let d = parseSexagesimal(tz, false);
            if (Math.abs(d) < 30)
                d *= 60;
            date -= 60000 * d;
        }
        return new Date(date);
    },
    stringify: ({ value }) => value?.toISOString().replace(/(T00:00:00)?\.000Z$/, '') ?? ''
};

exports.floatTime = floatTime;
exports.intTime = intTime;
exports.timestamp = timestamp;


/***/ }),

/***/ 4475:
/***/ ((__unused_webpack_module, exports) => {



const FOLD_FLOW = 'flow';
const FOLD_BLOCK = 'block';
const FOLD_QUOTED = 'quoted';
/**
 * Tries to keep input at up to `lineWidth` characters, splitting only on spaces
 * not followed by newlines or spaces unless `mode` is `'quoted'`. Lines are
 * terminated with `\n` and started with `indent`.
 */
function foldFlowLines(text, indent, mode = 'flow', { indentAtStart, lineWidth = 80, minContentWidth = 20, onFold, onOverflow } = {}) {
    if (!lineWidth || lineWidth < 0)
        return text;
    if (lineWidth < minContentWidth)
        minContentWidth = 0;
    const endStep = Math.max(1 + minContentWidth, 1 + lineWidth - indent.length);
    if (text.length <= endStep)
        return text;
    const folds = [];
    const escapedFolds = {};
    let end = lineWidth - indent.length;
    if (typeof indentAtStart === 'number') {
        if (indentAtStart > lineWidth - Math.max(2, minContentWidth))
            folds.push(0);
        else
            end = lineWidth - indentAtStart;
    }
    let split = undefined;
    let prev = undefined;
    let overflow = false;
    let i = -1;
    let escStart = -1;
    let escEnd = -1;
    if (mode === FOLD_BLOCK) {
        i = consumeMoreIndentedLines(text, i, indent.length);
        if (i !== -1)
            end = i + endStep;
    }
    for (let ch; (ch = text[(i += 1)]);) {
        if (mode === FOLD_QUOTED && ch === '\\') {
            escStart = i;
            switch (text[i + 1]) {
                case 'x':
                    i += 3;
                    break;
                case 'u':
                    i += 5;
                    break;
                case 'U':
                    i += 9;
                    break;
                default:
                    i += 1;
            }
            escEnd = i;
        }
        if (ch === '\n') {
            if (mode === FOLD_BLOCK)
                i = consumeMoreIndentedLines(text, i, indent.length);
            end = i + indent.length + endStep;
            split = undefined;
        }
        else {
            if (ch === ' ' &&
                prev &&
                prev !== ' ' &&
                prev !== '\n' &&
                prev !== '\t') {
                // space surrounded by non-space can be replaced with newline + indent
                const next = text[i + 1];
                if (next && next !== ' ' && next !== '\n' && next !== '\t')
                    split = i;
            }
            if (i >= end) {
                if (split) {
                    folds.push(split);
                    end = split + endStep;
                    split = undefined;
                }
                else if (mode === FOLD_QUOTED) {
                    // white-space collected at end may stretch past lineWidth
                    while (prev === ' ' || prev === '\t') {
                        prev = ch;
                        ch = text[(i += 1)];
                        overflow = true;
                    }
                    // Account for newline escape, but don't break preceding escape
                    const j = i > escEnd + 1 ? i - 2 : escStart - 1;
                    // Bail out if lineWidth & minContentWidth are shorter than an escape string
                    if (escapedFolds[j])
                        return text;
                    folds.push(j);
                    escapedFolds[j] = true;
                    end = j + endStep;
                    split = undefined;
                }
                else {
                    overflow = true;
                }
            }
        }
        prev = ch;
    }
    if (overflow && onOverflow)
        onOverflow();
    if (folds.length === 0)
        return text;
    if (onFold)
        onFold();
    let res = text.slice(0, folds[0]);
    for (let i = 0; i < folds.length; ++i) {
        const fold = folds[i];
        const end = folds[i + 1] || text.length;
        if (fold === 0)
            res = `\n${indent}${text.slice(0, end)}`;
        else {
            if (mode === FOLD_QUOTED && escapedFolds[fold])
                res += `${text[fold]}\\`;
            res += `\n${indent}${text.slice(fold + 1, end)}`;
        }
    }
    return res;
}
/**
 * Presumes `i + 1` is at the start of a line
 * @returns index of last newline in more-indented block
 */
function consumeMoreIndentedLines(text, i, indent) {
    let end = i;
    let start = i + 1;
    let ch = text[start];
    while (ch === ' ' || ch === '\t') {
        if (i < start + indent) {
            ch = text[++i];
        }
        else {
            do {
                ch = text[++i];
            } while (ch && ch !== '\n');
            end = i;
            start = i + 1;
            ch = text[start];
        }
    }
    return end;
}

exports.FOLD_BLOCK = FOLD_BLOCK;
exports.FOLD_FLOW = FOLD_FLOW;
exports.FOLD_QUOTED = FOLD_QUOTED;
exports.foldFlowLines = foldFlowLines;


/***/ }),

/***/ 2148:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var anchors = __nccwpck_require__(1596);
var identity = __nccwpck_require__(1127);
var stringifyComment = __nccwpck_require__(9799);
var stringifyString = __nccwpck_require__(3069);

function createStringifyContext(doc, options) {
    const opt = Object.assign({
        blockQuote: true,
        commentString: stringifyComment.stringifyComment,
        defaultKeyType: null,
        defaultStringType: 'PLAIN',
        directives: null,
        doubleQuotedAsJSON: false,
        doubleQuotedMinMultiLineLength: 40,
        falseStr: 'false',
        flowCollectionPadding: true,
        indentSeq: true,
        lineWidth: 80,
        minContentWidth: 20,
        nullStr: 'null',
        simpleKeys: false,
        singleQuote: null,
        trailingComma: false,
        trueStr: 'true',
        verifyAliasOrder: true
    }, doc.schema.toStringOptions, options);
    let inFlow;
    switch (opt.collectionStyle) {
        case 'block':
            inFlow = false;
            break;
        case 'flow':
            inFlow = true;
            break;
        default:
            inFlow = null;
    }
    return {
        anchors: new Set(),
        doc,
        flowCollectionPadding: opt.flowCollectionPadding ? ' ' : '',
        indent: '',
        indentStep: typeof opt.indent === 'number' ? ' '.repeat(opt.indent) : '  ',
        inFlow,
        options: opt
    };
}
function getTagObject(tags, item) {
    if (item.tag) {
        const match = tags.filter(t => t.tag === item.tag);
        if (match.length > 0)
            return match.find(t => t.format === item.format) ?? match[0];
    }
    let tagObj = undefined;
    let obj;
    if (identity.isScalar(item)) {
        obj = item.value;
        let match = tags.filter(t => t.identify?.(obj));
        if (match.length > 1) {
            const testMatch = match.filter(t => t.test);
            if (testMatch.length > 0)
                match = testMatch;
        }
        tagObj =
            match.find(t => t.format === item.format) ?? match.find(t => !t.format);
    }
    else {
        obj = item;
        tagObj = tags.find(t => t.nodeClass && obj instanceof t.nodeClass);
    }
    if (!tagObj) {
        const name = obj?.constructor?.name ?? (obj === null ? 'null' : typeof obj);
        throw new Error(`Tag not resolved for ${name} value`);
    }
    return tagObj;
}
// needs to be called before value stringifier to allow for circular anchor refs
function stringifyProps(node, tagObj, { anchors: anchors$1, doc }) {
    if (!doc.directives)
        return '';
    const props = [];
    const anchor = (identity.isScalar(node) || identity.isCollection(node)) && node.anchor;
    if (anchor && anchors.anchorIsValid(anchor)) {
        anchors$1.add(anchor);
        props.push(`&${anchor}`);
    }
    const tag = node.tag ?? (tagObj.default ? null : tagObj.tag);
    if (tag)
        props.push(doc.directives.tagString(tag));
    return props.join(' ');
}
function stringify(item, ctx, onComment, onChompKeep) {
    if (identity.isPair(item))
        return item.toString(ctx, onComment, onChompKeep);
    if (identity.isAlias(item)) {
        if (ctx.doc.directives)
            return item.toString(ctx);
        if (ctx.resolvedAliases?.has(item)) {
            throw new TypeError(`Cannot stringify circular structure without alias nodes`);
        }
        else {
            if (ctx.resolvedAliases)
                ctx.resolvedAliases.add(item);
            else
                ctx.resolvedAliases = new Set([item]);
            item = item.resolve(ctx.doc);
        }
    }
    let tagObj = undefined;
    const node = identity.isNode(item)
        ? item
        : ctx.doc.createNode(item, { onTagObj: o => (tagObj = o) });
    tagObj ?? (tagObj = getTagObject(ctx.doc.schema.tags, node));
    const props = stringifyProps(node, tagObj, ctx);
    if (props.length > 0)
        ctx.indentAtStart = (ctx.indentAtStart ?? 0) + props.length + 1;
    const str = typeof tagObj.stringify === 'function'
        ? tagObj.stringify(node, ctx, onComment, onChompKeep)
        : identity.isScalar(node)
            ? stringifyString.stringifyString(node, ctx, onComment, onChompKeep)
            : node.toString(ctx, onComment, onChompKeep);
    if (!props)
        return str;
    return identity.isScalar(node) || str[0] === '{' || str[0] === '['
        ? `${props} ${str}`
        : `${props}\n${ctx.indent}${str}`;
}

exports.createStringifyContext = createStringifyContext;
exports.stringify = stringify;


/***/ }),

/***/ 1212:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyCollection(collection, ctx, options) {
    const flow = ctx.inFlow ?? collection.flow;
    const stringify = flow ? stringifyFlowCollection : stringifyBlockCollection;
    return stringify(collection, ctx, options);
}
function stringifyBlockCollection({ comment, items }, ctx, { blockItemPrefix, flowChars, itemIndent, onChompKeep, onComment }) {
    const { indent, options: { commentString } } = ctx;
    const itemCtx = Object.assign({}, ctx, { indent: itemIndent, type: null });
    let chompKeep = false; // flag for the preceding node's status
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (!chompKeep && item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, chompKeep);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (!chompKeep && ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, chompKeep);
            }
        }
        chompKeep = false;
        let str = stringify.stringify(item, itemCtx, () => (comment = null), () => (chompKeep = true));
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        if (chompKeep && comment)
            chompKeep = false;
        lines.push(blockItemPrefix + str);
    }
    let str;
    if (lines.length === 0) {
        str = flowChars.start + flowChars.end;
    }
    else {
        str = lines[0];
        for (let i = 1; i < lines.length; ++i) {
            const line = lines[i];
            str += line ? `\n${indent}${line}` : '\n';
        }
    }
    if (comment) {
        str += '\n' + stringifyComment.indentComment(commentString(comment), indent);
        if (onComment)
            onComment();
    }
    else if (chompKeep && onChompKeep)
        onChompKeep();
    return str;
}
function stringifyFlowCollection({ items }, ctx, { flowChars, itemIndent }) {
    const { indent, indentStep, flowCollectionPadding: fcPadding, options: { commentString } } = ctx;
    itemIndent += indentStep;
    const itemCtx = Object.assign({}, ctx, {
        indent: itemIndent,
        inFlow: true,
        type: null
    });
    let reqNewline = false;
    let linesAtValue = 0;
    const lines = [];
    for (let i = 0; i < items.length; ++i) {
        const item = items[i];
        let comment = null;
        if (identity.isNode(item)) {
            if (item.spaceBefore)
                lines.push('');
            addCommentBefore(ctx, lines, item.commentBefore, false);
            if (item.comment)
                comment = item.comment;
        }
        else if (identity.isPair(item)) {
            const ik = identity.isNode(item.key) ? item.key : null;
            if (ik) {
                if (ik.spaceBefore)
                    lines.push('');
                addCommentBefore(ctx, lines, ik.commentBefore, false);
                if (ik.comment)
                    reqNewline = true;
            }
            const iv = identity.isNode(item.value) ? item.value : null;
            if (iv) {
                if (iv.comment)
                    comment = iv.comment;
                if (iv.commentBefore)
                    reqNewline = true;
            }
            else if (item.value == null && ik?.comment) {
                comment = ik.comment;
            }
        }
        if (comment)
            reqNewline = true;
        let str = stringify.stringify(item, itemCtx, () => (comment = null));
        reqNewline || (reqNewline = lines.length > linesAtValue || str.includes('\n'));
        if (i < items.length - 1) {
            str += ',';
        }
        else if (ctx.options.trailingComma) {
            if (ctx.options.lineWidth > 0) {
                reqNewline || (reqNewline = lines.reduce((sum, line) => sum + line.length + 2, 2) +
                    (str.length + 2) >
                    ctx.options.lineWidth);
            }
            if (reqNewline) {
                str += ',';
            }
        }
        if (comment)
            str += stringifyComment.lineComment(str, itemIndent, commentString(comment));
        lines.push(str);
        linesAtValue = lines.length;
    }
    const { start, end } = flowChars;
    if (lines.length === 0) {
        return start + end;
    }
    else {
        if (!reqNewline) {
            const len = lines.reduce((sum, line) => sum + line.length + 2, 2);
            reqNewline = ctx.options.lineWidth > 0 && len > ctx.options.lineWidth;
        }
        if (reqNewline) {
            let str = start;
            for (const line of lines)
                str += line ? `\n${indentStep}${indent}${line}` : '\n';
            return `${str}\n${indent}${end}`;
        }
        else {
            return `${start}${fcPadding}${lines.join(' ')}${fcPadding}${end}`;
        }
    }
}
function addCommentBefore({ indent, options: { commentString } }, lines, comment, chompKeep) {
    if (comment && chompKeep)
        comment = comment.replace(/^\n+/, '');
    if (comment) {
        const ic = stringifyComment.indentComment(commentString(comment), indent);
        lines.push(ic.trimStart()); // Avoid double indent on first line
    }
}

exports.stringifyCollection = stringifyCollection;


/***/ }),

/***/ 9799:
/***/ ((__unused_webpack_module, exports) => {



/**
 * Stringifies a comment.
 *
 * Empty comment lines are left empty,
 * lines consisting of a single space are replaced by `#`,
 * and all other lines are prefixed with a `#`.
 */
const stringifyComment = (str) => str.replace(/^(?!$)(?: $)?/gm, '#');
function indentComment(comment, indent) {
    if (/^\n+$/.test(comment))
        return comment.substring(1);
    return indent ? comment.replace(/^(?! *$)/gm, indent) : comment;
}
const lineComment = (str, indent, comment) => str.endsWith('\n')
    ? indentComment(comment, indent)
    : comment.includes('\n')
        ? '\n' + indentComment(comment, indent)
        : (str.endsWith(' ') ? '' : ' ') + comment;

exports.indentComment = indentComment;
exports.lineComment = lineComment;
exports.stringifyComment = stringifyComment;


/***/ }),

/***/ 6829:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyDocument(doc, options) {
    const lines = [];
    let hasDirectives = options.directives === true;
    if (options.directives !== false && doc.directives) {
        const dir = doc.directives.toString(doc);
        if (dir) {
            lines.push(dir);
            hasDirectives = true;
        }
        else if (doc.directives.docStart)
            hasDirectives = true;
    }
    if (hasDirectives)
        lines.push('---');
    const ctx = stringify.createStringifyContext(doc, options);
    const { commentString } = ctx.options;
    if (doc.commentBefore) {
        if (lines.length !== 1)
            lines.unshift('');
        const cs = commentString(doc.commentBefore);
        lines.unshift(stringifyComment.indentComment(cs, ''));
    }
    let chompKeep = false;
    let contentComment = null;
    if (doc.contents) {
        if (identity.isNode(doc.contents)) {
            if (doc.contents.spaceBefore && hasDirectives)
                lines.push('');
            if (doc.contents.commentBefore) {
                const cs = commentString(doc.contents.commentBefore);
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            // top-level block scalars need to be indented if followed by a comment
            ctx.forceBlockIndent = !!doc.comment;
            contentComment = doc.contents.comment;
        }
        const onChompKeep = contentComment ? undefined : () => (chompKeep = true);
        let body = stringify.stringify(doc.contents, ctx, () => (contentComment = null), onChompKeep);
        if (contentComment)
            body += stringifyComment.lineComment(body, '', commentString(contentComment));
        if ((body[0] === '|' || body[0] === '>') &&
            lines[lines.length - 1] === '---') {
            // Top-level block scalars with a preceding doc marker ought to use the
            // same line for their header.
            lines[lines.length - 1] = `--- ${body}`;
        }
        else
            lines.push(body);
    }
    else {
        lines.push(stringify.stringify(doc.contents, ctx));
    }
    if (doc.directives?.docEnd) {
        if (doc.comment) {
            const cs = commentString(doc.comment);
            if (cs.includes('\n')) {
                lines.push('...');
                lines.push(stringifyComment.indentComment(cs, ''));
            }
            else {
                lines.push(`... ${cs}`);
            }
        }
        else {
            lines.push('...');
        }
    }
    else {
        let dc = doc.comment;
        if (dc && chompKeep)
            dc = dc.replace(/^\n+/, '');
        if (dc) {
            if ((!chompKeep || contentComment) && lines[lines.length - 1] !== '')
                lines.push('');
            lines.push(stringifyComment.indentComment(commentString(dc), ''));
        }
    }
    return lines.join('\n') + '\n';
}

exports.stringifyDocument = stringifyDocument;


/***/ }),

/***/ 8689:
/***/ ((__unused_webpack_module, exports) => {



function stringifyNumber({ format, minFractionDigits, tag, value }) {
    if (typeof value === 'bigint')
        return String(value);
    const num = typeof value === 'number' ? value : Number(value);
    if (!isFinite(num))
        return isNaN(num) ? '.nan' : num < 0 ? '-.inf' : '.inf';
    let n = Object.is(value, -0) ? '-0' : JSON.stringify(value);
    if (!format &&
        minFractionDigits &&
        (!tag || tag === 'tag:yaml.org,2002:float') &&
        /^-?\d/.test(n) &&
        !n.includes('e')) {
        let i = n.indexOf('.');
        if (i < 0) {
            i = n.length;
            n += '.';
        }
        let d = minFractionDigits - (n.length - i - 1);
        while (d-- > 0)
            n += '0';
    }
    return n;
}

exports.stringifyNumber = stringifyNumber;


/***/ }),

/***/ 9748:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);
var Scalar = __nccwpck_require__(3301);
var stringify = __nccwpck_require__(2148);
var stringifyComment = __nccwpck_require__(9799);

function stringifyPair({ key, value }, ctx, onComment, onChompKeep) {
    const { allNullValues, doc, indent, indentStep, options: { commentString, indentSeq, simpleKeys } } = ctx;
    let keyComment = (identity.isNode(key) && key.comment) || null;
    if (simpleKeys) {
        if (keyComment) {
            throw new Error('With simple keys, key nodes cannot have comments');
        }
        if (identity.isCollection(key) || (!identity.isNode(key) && typeof key === 'object')) {
            const msg = 'With simple keys, collection cannot be used as a key value';
            throw new Error(msg);
        }
    }
    let explicitKey = !simpleKeys &&
        (!key ||
            (keyComment && value == null && !ctx.inFlow) ||
            identity.isCollection(key) ||
            (identity.isScalar(key)
                ? key.type === Scalar.Scalar.BLOCK_FOLDED || key.type === Scalar.Scalar.BLOCK_LITERAL
                : typeof key === 'object'));
    ctx = Object.assign({}, ctx, {
        allNullValues: false,
        implicitKey: !explicitKey && (simpleKeys || !allNullValues),
        indent: indent + indentStep
    });
    let keyCommentDone = false;
    let chompKeep = false;
    let str = stringify.stringify(key, ctx, () => (keyCommentDone = true), () => (chompKeep = true));
    if (!explicitKey && !ctx.inFlow && str.length > 1024) {
        if (simpleKeys)
            throw new Error('With simple keys, single line scalar must not span more than 1024 characters');
        explicitKey = true;
    }
    if (ctx.inFlow) {
        if (allNullValues || value == null) {
            if (keyCommentDone && onComment)
                onComment();
            return str === '' ? '?' : explicitKey ? `? ${str}` : str;
        }
    }
    else if ((allNullValues && !simpleKeys) || (value == null && explicitKey)) {
        str = `? ${str}`;
        if (keyComment && !keyCommentDone) {
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        }
        else if (chompKeep && onChompKeep)
            onChompKeep();
        return str;
    }
    if (keyCommentDone)
        keyComment = null;
    if (explicitKey) {
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
        str = `? ${str}\n${indent}:`;
    }
    else {
        str = `${str}:`;
        if (keyComment)
            str += stringifyComment.lineComment(str, ctx.indent, commentString(keyComment));
    }
    let vsb, vcb, valueComment;
    if (identity.isNode(value)) {
        vsb = !!value.spaceBefore;
        vcb = value.commentBefore;
        valueComment = value.comment;
    }
    else {
        vsb = false;
        vcb = null;
        valueComment = null;
        if (value && typeof value === 'object')
            value = doc.createNode(value);
    }
    ctx.implicitKey = false;
    if (!explicitKey && !keyComment && identity.isScalar(value))
        ctx.indentAtStart = str.length + 1;
    chompKeep = false;
    if (!indentSeq &&
        indentStep.length >= 2 &&
        !ctx.inFlow &&
        !explicitKey &&
        identity.isSeq(value) &&
        !value.flow &&
        !value.tag &&
        !value.anchor) {
        // If indentSeq === false, consider '- ' as part of indentation where possible
        ctx.indent = ctx.indent.substring(2);
    }
    let valueCommentDone = false;
    const valueStr = stringify.stringify(value, ctx, () => (valueCommentDone = true), () => (chompKeep = true));
    let ws = ' ';
    if (keyComment || vsb || vcb) {
        ws = vsb ? '\n' : '';
        if (vcb) {
            const cs = commentString(vcb);
            ws += `\n${stringifyComment.indentComment(cs, ctx.indent)}`;
        }
        if (valueStr === '' && !ctx.inFlow) {
            if (ws === '\n' && valueComment)
                ws = '\n\n';
        }
        else {
            ws += `\n${ctx.indent}`;
        }
    }
    else if (!explicitKey && identity.isCollection(value)) {
        const vs0 = valueStr[0];
        const nl0 = valueStr.indexOf('\n');
        const hasNewline = nl0 !== -1;
        const flow = ctx.inFlow ?? value.flow ?? value.items.length === 0;
        if (hasNewline || !flow) {
            let hasPropsLine = false;
            if (hasNewline && (vs0 === '&' || vs0 === '!')) {
                let sp0 = valueStr.indexOf(' ');
                if (vs0 === '&' &&
                    sp0 !== -1 &&
                    sp0 < nl0 &&
                    valueStr[sp0 + 1] === '!') {
                    sp0 = valueStr.indexOf(' ', sp0 + 1);
                }
                if (sp0 === -1 || nl0 < sp0)
                    hasPropsLine = true;
            }
            if (!hasPropsLine)
                ws = `\n${ctx.indent}`;
        }
    }
    else if (valueStr === '' || valueStr[0] === '\n') {
        ws = '';
    }
    str += ws + valueStr;
    if (ctx.inFlow) {
        if (valueCommentDone && onComment)
            onComment();
    }
    else if (valueComment && !valueCommentDone) {
        str += stringifyComment.lineComment(str, ctx.indent, commentString(valueComment));
    }
    else if (chompKeep && onChompKeep) {
        onChompKeep();
    }
    return str;
}

exports.stringifyPair = stringifyPair;


/***/ }),

/***/ 3069:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var Scalar = __nccwpck_require__(3301);
var foldFlowLines = __nccwpck_require__(4475);

const getFoldOptions = (ctx, isBlock) => ({
    indentAtStart: isBlock ? ctx.indent.length : ctx.indentAtStart,
    lineWidth: ctx.options.lineWidth,
    minContentWidth: ctx.options.minContentWidth
});
// Also checks for lines starting with %, as parsing the output as YAML 1.1 will
// presume that's starting a new document.
const containsDocumentMarker = (str) => /^(%|---|\.\.\.)/m.test(str);
function lineLengthOverLimit(str, lineWidth, indentLength) {
    if (!lineWidth || lineWidth < 0)
        return false;
    const limit = lineWidth - indentLength;
    const strLen = str.length;
    if (strLen <= limit)
        return false;
    for (let i = 0, start = 0; i < strLen; ++i) {
        if (str[i] === '\n') {
            if (i - start > limit)
                return true;
            start = i + 1;
            if (strLen - start <= limit)
                return false;
        }
    }
    return true;
}
function doubleQuotedString(value, ctx) {
    const json = JSON.stringify(value);
    if (ctx.options.doubleQuotedAsJSON)
        return json;
    const { implicitKey } = ctx;
    const minMultiLineLength = ctx.options.doubleQuotedMinMultiLineLength;
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    let str = '';
    let start = 0;
    for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
        if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
            // space before newline needs to be escaped to not be folded
            str += json.slice(start, i) + '\\ ';
            i += 1;
            start = i;
            ch = '\\';
        }
        if (ch === '\\')
            switch (json[i + 1]) {
                case 'u':
                    {
                        str += json.slice(start, i);
                        const code = json.substr(i + 2, 4);
                        switch (code) {
                            case '0000':
                                str += '\\0';
                                break;
                            case '0007':
                                str += '\\a';
                                break;
                            case '000b':
                                str += '\\v';
                                break;
                            case '001b':
                                str += '\\e';
                                break;
                            case '0085':
                                str += '\\N';
                                break;
                            case '00a0':
                                str += '\\_';
                                break;
                            case '2028':
                                str += '\\L';
                                break;
                            case '2029':
                                str += '\\P';
                                break;
                            default:
                                if (code.substr(0, 2) === '00')
                                    str += '\\x' + code.substr(2);
                                else
                                    str += json.substr(i, 6);
                        }
                        i += 5;
                        start = i + 1;
                    }
                    break;
                case 'n':
                    if (implicitKey ||
                        json[i + 2] === '"' ||
                        json.length < minMultiLineLength) {
                        i += 1;
                    }
                    else {
                        // folding will eat first newline
                        str += json.slice(start, i) + '\n\n';
                        while (json[i + 2] === '\\' &&
                            json[i + 3] === 'n' &&
                            json[i + 4] !== '"') {
                            str += '\n';
                            i += 2;
                        }
                        str += indent;
                        // space after newline needs to be escaped to not be folded
                        if (json[i + 2] === ' ')
                            str += '\\';
                        i += 1;
                        start = i + 1;
                    }
                    break;
                default:
                    i += 1;
            }
    }
    str = start ? str + json.slice(start) : json;
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_QUOTED, getFoldOptions(ctx, false));
}
function singleQuotedString(value, ctx) {
    if (ctx.options.singleQuote === false ||
        (ctx.implicitKey && value.includes('\n')) ||
        /[ \t]\n|\n[ \t]/.test(value) // single quoted string can't have leading or trailing whitespace around newline
    )
        return doubleQuotedString(value, ctx);
    const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
    const res = "'" + value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`) + "'";
    return ctx.implicitKey
        ? res
        : foldFlowLines.foldFlowLines(res, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function quotedString(value, ctx) {
    const { singleQuote } = ctx.options;
    let qs;
    if (singleQuote === false)
        qs = doubleQuotedString;
    else {
        const hasDouble = value.includes('"');
        const hasSingle = value.includes("'");
        if (hasDouble && !hasSingle)
            qs = singleQuotedString;
        else if (hasSingle && !hasDouble)
            qs = doubleQuotedString;
        else
            qs = singleQuote ? singleQuotedString : doubleQuotedString;
    }
    return qs(value, ctx);
}
// The negative lookbehind avoids a polynomial search,
// but isn't supported yet on Safari: https://caniuse.com/js-regexp-lookbehind
let blockEndNewlines;
try {
    blockEndNewlines = new RegExp('(^|(?<!\n))\n+(?!\n|$)', 'g');
}
catch {
    blockEndNewlines = /\n+(?!\n|$)/g;
}
function blockString({ comment, type, value }, ctx, onComment, onChompKeep) {
    const { blockQuote, commentString, lineWidth } = ctx.options;
    // 1. Block can't end in whitespace unless the last line is non-empty.
    // 2. Strings consisting of only whitespace are best rendered explicitly.
    if (!blockQuote || /\n[\t ]+$/.test(value)) {
        return quotedString(value, ctx);
    }
    const indent = ctx.indent ||
        (ctx.forceBlockIndent || containsDocumentMarker(value) ? '  ' : '');
    const literal = blockQuote === 'literal'
        ? true
        : blockQuote === 'folded' || type === Scalar.Scalar.BLOCK_FOLDED
            ? false
            : type === Scalar.Scalar.BLOCK_LITERAL
                ? true
                : !lineLengthOverLimit(value, lineWidth, indent.length);
    if (!value)
        return literal ? '|\n' : '>\n';
    // determine chomping from whitespace at value end
    let chomp;
    let endStart;
    for (endStart = value.length; endStart > 0; --endStart) {
        const ch = value[endStart - 1];
        if (ch !== '\n' && ch !== '\t' && ch !== ' ')
            break;
    }
    let end = value.substring(endStart);
    const endNlPos = end.indexOf('\n');
    if (endNlPos === -1) {
        chomp = '-'; // strip
    }
    else if (value === end || endNlPos !== end.length - 1) {
        chomp = '+'; // keep
        if (onChompKeep)
            onChompKeep();
    }
    else {
        chomp = ''; // clip
    }
    if (end) {
        value = value.slice(0, -end.length);
        if (end[end.length - 1] === '\n')
            end = end.slice(0, -1);
        end = end.replace(blockEndNewlines, `$&${indent}`);
    }
    // determine indent indicator from whitespace at value start
    let startWithSpace = false;
    let startEnd;
    let startNlPos = -1;
    for (startEnd = 0; startEnd < value.length; ++startEnd) {
        const ch = value[startEnd];
        if (ch === ' ')
            startWithSpace = true;
        else if (ch === '\n')
            startNlPos = startEnd;
        else
            break;
    }
    let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
    if (start) {
        value = value.substring(start.length);
        start = start.replace(/\n+/g, `$&${indent}`);
    }
    const indentSize = indent ? '2' : '1'; // root is at -1
    // Leading | or > is added later
    let header = (startWithSpace ? indentSize : '') + chomp;
    if (comment) {
        header += ' ' + commentString(comment.replace(/ ?[\r\n]+/g, ' '));
        if (onComment)
            onComment();
    }
    if (!literal) {
        const foldedValue = value
            .replace(/\n+/g, '\n$&')
            .replace(/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g, '$1$2') // more-indented lines aren't folded
            //                ^ more-ind. ^ empty     ^ capture next empty lines only at end of indent
            .replace(/\n+/g, `$&${indent}`);
        let literalFallback = false;
        const foldOptions = getFoldOptions(ctx, true);
        if (blockQuote !== 'folded' && type !== Scalar.Scalar.BLOCK_FOLDED) {
            foldOptions.onOverflow = () => {
                literalFallback = true;
            };
        }
        const body = foldFlowLines.foldFlowLines(`${start}${foldedValue}${end}`, indent, foldFlowLines.FOLD_BLOCK, foldOptions);
        if (!literalFallback)
            return `>${header}\n${indent}${body}`;
    }
    value = value.replace(/\n+/g, `$&${indent}`);
    return `|${header}\n${indent}${start}${value}${end}`;
}
function plainString(item, ctx, onComment, onChompKeep) {
    const { type, value } = item;
    const { actualString, implicitKey, indent, indentStep, inFlow } = ctx;
    if ((implicitKey && value.includes('\n')) ||
        (inFlow && /[[\]{},]/.test(value))) {
        return quotedString(value, ctx);
    }
    if (/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/.test(value)) {
        // not allowed:
        // - '-' or '?'
        // - start with an indicator character (except [?:-]) or /[?-] /
        // - '\n ', ': ' or ' \n' anywhere
        // - '#' not preceded by a non-space char
        // - end with ' ' or ':'
        return implicitKey || inFlow || !value.includes('\n')
            ? quotedString(value, ctx)
            : blockString(item, ctx, onComment, onChompKeep);
    }
    if (!implicitKey &&
        !inFlow &&
        type !== Scalar.Scalar.PLAIN &&
        value.includes('\n')) {
        // Where allowed & type not set explicitly, prefer block style for multiline strings
        return blockString(item, ctx, onComment, onChompKeep);
    }
    if (containsDocumentMarker(value)) {
        if (indent === '') {
            ctx.forceBlockIndent = true;
            return blockString(item, ctx, onComment, onChompKeep);
        }
        else if (implicitKey && indent === indentStep) {
            return quotedString(value, ctx);
        }
    }
    const str = value.replace(/\n+/g, `$&\n${indent}`);
    // Verify that output will be parsed as a string, as e.g. plain numbers and
    // booleans get parsed with those types in v1.2 (e.g. '42', 'true' & '0.9e-3'),
    // and others in v1.1.
    if (actualString) {
        const test = (tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test?.test(str);
        const { compat, tags } = ctx.doc.schema;
        if (tags.some(test) || compat?.some(test))
            return quotedString(value, ctx);
    }
    return implicitKey
        ? str
        : foldFlowLines.foldFlowLines(str, indent, foldFlowLines.FOLD_FLOW, getFoldOptions(ctx, false));
}
function stringifyString(item, ctx, onComment, onChompKeep) {
    const { implicitKey, inFlow } = ctx;
    const ss = typeof item.value === 'string'
        ? item
        : Object.assign({}, item, { value: String(item.value) });
    let { type } = item;
    if (type !== Scalar.Scalar.QUOTE_DOUBLE) {
        // force double quotes on control characters & unpaired surrogates
        if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(ss.value))
            type = Scalar.Scalar.QUOTE_DOUBLE;
    }
    const _stringify = (_type) => {
        switch (_type) {
            case Scalar.Scalar.BLOCK_FOLDED:
            case Scalar.Scalar.BLOCK_LITERAL:
                return implicitKey || inFlow
                    ? quotedString(ss.value, ctx) // blocks are not valid inside flow containers
                    : blockString(ss, ctx, onComment, onChompKeep);
            case Scalar.Scalar.QUOTE_DOUBLE:
                return doubleQuotedString(ss.value, ctx);
            case Scalar.Scalar.QUOTE_SINGLE:
                return singleQuotedString(ss.value, ctx);
            case Scalar.Scalar.PLAIN:
                return plainString(ss, ctx, onComment, onChompKeep);
            default:
                return null;
        }
    };
    let res = _stringify(type);
    if (res === null) {
        const { defaultKeyType, defaultStringType } = ctx.options;
        const t = (implicitKey && defaultKeyType) || defaultStringType;
        res = _stringify(t);
        if (res === null)
            throw new Error(`Unsupported default string type ${t}`);
    }
    return res;
}

exports.stringifyString = stringifyString;


/***/ }),

/***/ 204:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {



var identity = __nccwpck_require__(1127);

const BREAK = Symbol('break visit');
const SKIP = Symbol('skip children');
const REMOVE = Symbol('remove node');
/**
 * Apply a visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
function visit(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = visit_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        visit_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visit.BREAK = BREAK;
/** Do not visit the children of the current node */
visit.SKIP = SKIP;
/** Remove the current node */
visit.REMOVE = REMOVE;
function visit_(key, node, visitor, path) {
    const ctrl = callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visit_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = visit_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = visit_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = visit_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
/**
 * Apply an async visitor to an AST node or document.
 *
 * Walks through the tree (depth-first) starting from `node`, calling a
 * `visitor` function with three arguments:
 *   - `key`: For sequence values and map `Pair`, the node's index in the
 *     collection. Within a `Pair`, `'key'` or `'value'`, correspondingly.
 *     `null` for the root node.
 *   - `node`: The current node.
 *   - `path`: The ancestry of the current node.
 *
 * The return value of the visitor may be used to control the traversal:
 *   - `Promise`: Must resolve to one of the following values
 *   - `undefined` (default): Do nothing and continue
 *   - `visit.SKIP`: Do not visit the children of this node, continue with next
 *     sibling
 *   - `visit.BREAK`: Terminate traversal completely
 *   - `visit.REMOVE`: Remove the current node, then continue with the next one
 *   - `Node`: Replace the current node, then continue by visiting it
 *   - `number`: While iterating the items of a sequence or map, set the index
 *     of the next step. This is useful especially if the index of the current
 *     node has changed.
 *
 * If `visitor` is a single function, it will be called with all values
 * encountered in the tree, including e.g. `null` values. Alternatively,
 * separate visitor functions may be defined for each `Map`, `Pair`, `Seq`,
 * `Alias` and `Scalar` node. To define the same visitor function for more than
 * one node type, use the `Collection` (map and seq), `Value` (map, seq & scalar)
 * and `Node` (alias, map, seq & scalar) targets. Of all these, only the most
 * specific defined one will be used for each node.
 */
async function visitAsync(node, visitor) {
    const visitor_ = initVisitor(visitor);
    if (identity.isDocument(node)) {
        const cd = await visitAsync_(null, node.contents, visitor_, Object.freeze([node]));
        if (cd === REMOVE)
            node.contents = null;
    }
    else
        await visitAsync_(null, node, visitor_, Object.freeze([]));
}
// Without the `as symbol` casts, TS declares these in the `visit`
// namespace using `var`, but then complains about that because
// `unique symbol` must be `const`.
/** Terminate visit traversal completely */
visitAsync.BREAK = BREAK;
/** Do not visit the children of the current node */
visitAsync.SKIP = SKIP;
/** Remove the current node */
visitAsync.REMOVE = REMOVE;
async function visitAsync_(key, node, visitor, path) {
    const ctrl = await callVisitor(key, node, visitor, path);
    if (identity.isNode(ctrl) || identity.isPair(ctrl)) {
        replaceNode(key, path, ctrl);
        return visitAsync_(key, ctrl, visitor, path);
    }
    if (typeof ctrl !== 'symbol') {
        if (identity.isCollection(node)) {
            path = Object.freeze(path.concat(node));
            for (let i = 0; i < node.items.length; ++i) {
                const ci = await visitAsync_(i, node.items[i], visitor, path);
                if (typeof ci === 'number')
                    i = ci - 1;
                else if (ci === BREAK)
                    return BREAK;
                else if (ci === REMOVE) {
                    node.items.splice(i, 1);
                    i -= 1;
                }
            }
        }
        else if (identity.isPair(node)) {
            path = Object.freeze(path.concat(node));
            const ck = await visitAsync_('key', node.key, visitor, path);
            if (ck === BREAK)
                return BREAK;
            else if (ck === REMOVE)
                node.key = null;
            const cv = await visitAsync_('value', node.value, visitor, path);
            if (cv === BREAK)
                return BREAK;
            else if (cv === REMOVE)
                node.value = null;
        }
    }
    return ctrl;
}
function initVisitor(visitor) {
    if (typeof visitor === 'object' &&
        (visitor.Collection || visitor.Node || visitor.Value)) {
        return Object.assign({
            Alias: visitor.Node,
            Map: visitor.Node,
            Scalar: visitor.Node,
            Seq: visitor.Node
        }, visitor.Value && {
            Map: visitor.Value,
            Scalar: visitor.Value,
            Seq: visitor.Value
        }, visitor.Collection && {
            Map: visitor.Collection,
            Seq: visitor.Collection
        }, visitor);
    }
    return visitor;
}
function callVisitor(key, node, visitor, path) {
    if (typeof visitor === 'function')
        return visitor(key, node, path);
    if (identity.isMap(node))
        return visitor.Map?.(key, node, path);
    if (identity.isSeq(node))
        return visitor.Seq?.(key, node, path);
    if (identity.isPair(node))
        return visitor.Pair?.(key, node, path);
    if (identity.isScalar(node))
        return visitor.Scalar?.(key, node, path);
    if (identity.isAlias(node))
        return visitor.Alias?.(key, node, path);
    return undefined;
}
function replaceNode(key, path, node) {
    const parent = path[path.length - 1];
    if (identity.isCollection(parent)) {
        parent.items[key] = node;
    }
    else if (identity.isPair(parent)) {
        if (key === 'key')
            parent.key = node;
        else
            parent.value = node;
    }
    else if (identity.isDocument(parent)) {
        parent.contents = node;
    }
    else {
        const pt = identity.isAlias(parent) ? 'alias' : 'scalar';
        throw new Error(`Cannot replace node with ${pt} parent`);
    }
}

exports.visit = visit;
exports.visitAsync = visitAsync;


/***/ }),

/***/ 370:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  A: () => (/* binding */ pLimit)
});

// UNUSED EXPORTS: limitFunction

;// CONCATENATED MODULE: ./node_modules/yocto-queue/index.js
/*
How it works:
`this.#head` is an instance of `Node` which keeps track of its current value and nests another instance of `Node` that keeps the value that comes after it. When a value is provided to `.enqueue()`, the code needs to iterate through `this.#head`, going deeper and deeper to find the last value. However, iterating through every single item is slow. This problem is solved by saving a reference to the last value as `this.#tail` so that it can reference it to add a new value.
*/

class Node {
	value;
	next;

	constructor(value) {
		this.value = value;
	}
}

class Queue {
	#head;
	#tail;
	#size;

	constructor() {
		this.clear();
	}

	enqueue(value) {
		const node = new Node(value);

		if (this.#head) {
			this.#tail.next = node;
			this.#tail = node;
		} else {
			this.#head = node;
			this.#tail = node;
		}

		this.#size++;
	}

	dequeue() {
		const current = this.#head;
		if (!current) {
			return;
		}

		this.#head = this.#head.next;
		this.#size--;

		// Clean up tail reference when queue becomes empty
		if (!this.#head) {
			this.#tail = undefined;
		}

		return current.value;
	}

	peek() {
		if (!this.#head) {
			return;
		}

		return this.#head.value;

		// TODO: Node.js 18.
		// return this.#head?.value;
	}

	clear() {
		this.#head = undefined;
		this.#tail = undefined;
		this.#size = 0;
	}

	get size() {
		return this.#size;
	}

	* [Symbol.iterator]() {
		let current = this.#head;

		while (current) {
			yield current.value;
			current = current.next;
		}
	}

	* drain() {
		while (this.#head) {
			yield this.dequeue();
		}
	}
}

;// CONCATENATED MODULE: ./node_modules/p-limit/index.js


function pLimit(concurrency) {
	let rejectOnClear = false;

	if (typeof concurrency === 'object') {
		({concurrency, rejectOnClear = false} = concurrency);
	}

	validateConcurrency(concurrency);

	if (typeof rejectOnClear !== 'boolean') {
		throw new TypeError('Expected `rejectOnClear` to be a boolean');
	}

	const queue = new Queue();
	let activeCount = 0;

	const resumeNext = () => {
		// Process the next queued function if we're under the concurrency limit
		if (activeCount < concurrency && queue.size > 0) {
			activeCount++;
			queue.dequeue().run();
		}
	};

	const next = () => {
		activeCount--;
		resumeNext();
	};

	const run = async (function_, resolve, arguments_) => {
		// Execute the function and capture the result promise
		const result = (async () => function_(...arguments_))();

		// Resolve immediately with the promise (don't wait for completion)
		resolve(result);

		// Wait for the function to complete (success or failure)
		// We catch errors here to prevent unhandled rejections,
		// but the original promise rejection is preserved for the caller
		try {
			await result;
		} catch {}

		// Decrement active count and process next queued function
		next();
	};

	const enqueue = (function_, resolve, reject, arguments_) => {
		const queueItem = {reject};

		// Queue the internal resolve function instead of the run function
		// to preserve the asynchronous execution context.
		new Promise(internalResolve => { // eslint-disable-line promise/param-names
			queueItem.run = internalResolve;
			queue.enqueue(queueItem);
		}).then(run.bind(undefined, function_, resolve, arguments_)); // eslint-disable-line promise/prefer-await-to-then

		// Start processing immediately if we haven't reached the concurrency limit
		if (activeCount < concurrency) {
			resumeNext();
		}
	};

	const generator = (function_, ...arguments_) => new Promise((resolve, reject) => {
		enqueue(function_, resolve, reject, arguments_);
	});

	Object.defineProperties(generator, {
		activeCount: {
			get: () => activeCount,
		},
		pendingCount: {
			get: () => queue.size,
		},
		clearQueue: {
			value() {
				if (!rejectOnClear) {
					queue.clear();
					return;
				}

				const abortError = AbortSignal.abort().reason;

				while (queue.size > 0) {
					queue.dequeue().reject(abortError);
				}
			},
		},
		concurrency: {
			get: () => concurrency,

			set(newConcurrency) {
				validateConcurrency(newConcurrency);
				concurrency = newConcurrency;

				queueMicrotask(() => {
					// eslint-disable-next-line no-unmodified-loop-condition
					while (activeCount < concurrency && queue.size > 0) {
						resumeNext();
					}
				});
			},
		},
		map: {
			async value(iterable, function_) {
				const promises = [];

				try {
					Array.from(iterable, (value, index) => {
						const promise = generator(function_, value, index);
						promises.push(promise);
						return promise;
					});
				} catch (error) {
					// The iterable threw, so `Promise.all` never observes the already scheduled promises. Observe them here to avoid unhandled rejections.
					for (const promise of promises) {
						promise.catch(() => {}); // eslint-disable-line promise/prefer-await-to-then
					}

					throw error;
				}

				return Promise.all(promises);
			},
		},
	});

	return generator;
}

function limitFunction(function_, options) {
	const limit = pLimit(options);

	const limitedFunction = (...arguments_) => limit(() => function_(...arguments_));
	Object.defineProperty(limitedFunction, 'clearQueue', {
		value: limit.clearQueue,
	});

	return limitedFunction;
}

function validateConcurrency(concurrency) {
	if (!((Number.isInteger(concurrency) || concurrency === Number.POSITIVE_INFINITY) && concurrency > 0)) {
		throw new TypeError('Expected `concurrency` to be a number from 1 and up');
	}
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(5581);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
