import { describe, expect, test } from 'bun:test';
import { analyze } from '../analyze.ts';
import { checkDirection } from './direction.ts';

const check = (a: string, b: string) => checkDirection(analyze(a), analyze(b));

describe('direction rule', () => {
  test('rejects swapped source and target with from/to', () => {
    expect(check('When is the first bus from Dudweiler to Saarbrücken on Sunday?', 'When is the first bus from Saarbrücken to Dudweiler on Sunday?')).toBeDefined();
    expect(check('How do I migrate data from MySQL to PostgreSQL?', 'How do I migrate data from PostgreSQL to MySQL?')).toContain('mysql');
  });

  test('rejects swapped roles with von/nach, aus/ins and in ... umwandeln', () => {
    expect(check('Wann fährt der letzte Bus von Saarlouis nach Saarbrücken?', 'Wann fährt der letzte Bus von Saarbrücken nach Saarlouis?')).toBeDefined();
    expect(check('Wie viele pendeln aus Lothringen ins Saarland?', 'Wie viele pendeln aus dem Saarland nach Lothringen?')).toBeDefined();
    expect(check('Wie rechne ich Gramm in Esslöffel um?', 'Wie rechne ich Esslöffel in Gramm um?')).toBeDefined();
    expect(check('SQL: Spalten in Zeilen umwandeln', 'SQL: Zeilen in Spalten umwandeln')).toBeDefined();
  });

  test('rejects "A to B" against "B to A" without a from', () => {
    expect(check('JavaScript: convert a Set to an array', 'JavaScript: convert an array to a Set')).toBeDefined();
    expect(check('How do I turn a JavaScript object into JSON?', 'How do I turn JSON into a JavaScript object?')).toBeDefined();
  });

  test('rejects two names trading places around a relation word', () => {
    expect(check('Liegt Saarbrücken nördlich von Metz?', 'Liegt Metz nördlich von Saarbrücken?')).toBeDefined();
    expect(check('Butter durch Öl ersetzen beim Rührkuchen', 'Öl durch Butter ersetzen beim Rührkuchen')).toBeDefined();
  });

  test('accepts a symmetric relation in any order (distance, difference, vs)', () => {
    expect(check('How far is Saarbrücken from Metz?', "What's the distance between Metz and Saarbrücken?")).toBeUndefined();
    expect(check('Wie weit ist es von Saarbrücken nach Saarlouis?', 'Wie viele Kilometer liegen zwischen Saarlouis und Saarbrücken?')).toBeUndefined();
    expect(check("What's the difference between INNER JOIN and LEFT JOIN?", 'LEFT JOIN vs INNER JOIN – how do they differ?')).toBeUndefined();
  });

  test('accepts reordered clauses that keep the roles', () => {
    expect(check('When does the last Saarbahn leave Saarbrücken Hauptbahnhof for Sarreguemines?', 'What time is the last Saarbahn from Saarbrücken Hbf to Sarreguemines?')).toBeUndefined();
    expect(check('Wann fährt der nächste Bus vom Hauptbahnhof zur Universität?', 'Nächster Bus Hbf Richtung Uni?')).toBeUndefined();
    expect(check('If I move to Homburg, do I have to register?', 'Do I have to register if I move to Homburg?')).toBeUndefined();
  });

  test('treats German "in der" as a place, not a direction', () => {
    expect(check('Darf ich Bioabfall in Plastiktüten in die Biotonne werfen?', 'Sind Plastiktüten in der Biotonne erlaubt?')).toBeUndefined();
  });
});
