// Lets a plain `node` child process import the package's TypeScript sources: Node 24 strips the types
// itself; this hook maps the `.js` suffixes of relative imports (TypeScript's NodeNext convention) to
// the `.ts` files beside them.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
