// Express 4.21 installed under an alias for the Express 4 compatibility suite; its API is typed
// like Express 5's for what that suite uses.
declare module 'express4' {
  import express from 'express';
  export default express;
}
