/** This build's version: said in hello, --version and the default image tag. */
export const VERSION = '0.1.0';
