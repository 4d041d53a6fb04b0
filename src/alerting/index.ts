/** Tesseract's alert rules, contact points and templates: one definition for the API and for files. */
export * from './types';
export * from './rules';
export * from './contact-points';
export * from './files';
