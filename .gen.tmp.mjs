import ts from 'typescript';
const program = ts.createProgram(['src/index.ts', 'src/testing/index.ts'], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ['node'] });
const checker = program.getTypeChecker();
const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.InTypeAlias;
const want = new Set(process.argv.slice(2));
const exportsOf = (f) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(f)));
const docOf = (decl) => { if (!decl) return ''; const r = ts.getJSDocCommentsAndTags(decl); return r.length ? r.map(d => d.getText()).join('\n') : ''; };
for (const sym of [...exportsOf('src/index.ts'), ...exportsOf('src/testing/index.ts')]) {
  if (!want.has(sym.name)) continue;
  const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const type = checker.getDeclaredTypeOfSymbol(target);
  const doc = docOf(target.declarations[0]);
  if (doc) console.log(doc);
  if (type.isUnion() || !(type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection))) { console.log(`export type ${sym.name} = ${checker.typeToString(type, undefined, flags)};\n`); continue; }
  console.log(`export interface ${sym.name} {`);
  for (const p of checker.getPropertiesOfType(type)) {
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    const d = docOf(decl); if (d) console.log('  ' + d.replace(/\n\s*/g, '\n   '));
    let t = checker.typeToString(checker.getTypeOfSymbol(p), undefined, flags);
    const opt = p.flags & ts.SymbolFlags.Optional;

    console.log(`  ${p.name}${opt ? '?' : ''}: ${t};`);
  }
  console.log('}\n');
}
