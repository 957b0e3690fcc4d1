/** Query text limits live with the library (label sets check them too); rank.ts takes them from here. */
export { checkText, DEFAULT_TEXT_LIMITS, words, type TextLimits } from '../library/text.js';
