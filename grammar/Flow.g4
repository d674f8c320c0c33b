// The .flow language. Parsed by ANTLR4 (the Debian antlr4 tool generates the C++
// parser at build time); compiler/syntax turns the parse tree into awc's own AST.
// docs/language.md is the reference for what each rule means and how it is typed.
//
// String interpolation ({expr} inside "..." and """...""") is not lexed here: a
// string is one token, and compiler/syntax parses each {expr} hole with the
// `exprOnly` entry rule, keeping source locations exact.
grammar Flow;

// ---------------------------------------------------------------------------
// Declarations

file_ : item* EOF ;

item
  : importDecl
  | hostDecl
  | modelDecl
  | ladderDecl
  | typeDecl
  | toolDecl
  | constDecl
  | workflowDecl
  ;

// import "common.flow"        (a file, relative to the importing file)
// import std/prompts          (a standard module shipped with awc)
importDecl : 'import' (STRING | modulePath) ;
modulePath : IDENT ('/' IDENT)* ;

// host "orders.internal"      (HTTP tools may only call declared hosts)
hostDecl : 'host' STRING (',' STRING)* ;

// model fast = openai("llama-3.1-8b") { price_in: 0.05, price_out: 0.08 }
// model big  = openai("gpt-4o") { cheaper: [mini, nano] }   (alternatives `rightsize` may use)
modelDecl : 'model' IDENT '=' IDENT '(' STRING ')' optionBlock? ;

// ladder default = [fast, medium, smart]   (smallest first; used by `llm auto`)
ladderDecl : 'ladder' IDENT '=' '[' IDENT (',' IDENT)* ','? ']' ;

// type Order = { status: string, eta_days: int }
// type Mood  = enum { positive, neutral, negative }
typeDecl : 'type' IDENT '=' typeExpr ;

// tool order_status(id: string) -> Order = http GET "https://orders.internal/api/{id}" { cache: 5m }
// tool notify(to: string, text: string) -> bool = host { effect: side_effect }
toolDecl : 'tool' IDENT '(' paramList? ')' '->' typeExpr '=' toolImpl optionBlock? ;
toolImpl
  : 'http' IDENT STRING   # httpTool
  | 'host'                # hostTool
  ;

// const POLICY = """..."""
constDecl : 'const' IDENT (':' typeExpr)? '=' expr ;

// workflow support(query: string, order_id: string) -> string { ... return reply }
// workflow triage(t: string) -> Triage with { rightsize: [classify] } { ... }   (workflow options)
workflowDecl
  : 'workflow' IDENT '(' paramList? ')' '->' typeExpr ('with' optionBlock)?
    '{' statement* returnStmt '}'
  ;

paramList : param (',' param)* ','? ;
param : IDENT ':' typeExpr ('=' expr)? ;

optionBlock : '{' (option (','? option)* ','?)? '}' ;
option : name ':' expr ;

// ---------------------------------------------------------------------------
// Types

typeExpr
  : 'enum' '{' enumMember (',' enumMember)* ','? '}'     # enumType
  | '{' fieldType (',' fieldType)* ','? '}'              # recordType
  | IDENT '<' typeExpr '>'                               # genericType
  | IDENT                                                # namedType
  ;
enumMember : name | STRING ;
// An optional string after a field's type describes it to the model (JSON Schema "description").
fieldType : name ':' typeExpr STRING? ;

// ---------------------------------------------------------------------------
// Statements

// A step binds a name exactly once. Blocks of `if` arms and `map` bodies end with
// the expression that is their value.
statement : IDENT (':' typeExpr)? '=' expr ;
returnStmt : 'return' expr ;
valueBlock : '{' statement* expr '}' ;

// ---------------------------------------------------------------------------
// Expressions, lowest precedence last.

expr
  : primary                                                # primaryExpr
  | expr '.' name                                          # fieldExpr
  | expr '[' expr ']'                                      # indexExpr
  | op='-' expr                                            # unaryExpr
  | expr op=('*' | '/' | '%') expr                         # binaryExpr
  | expr op=('+' | '-') expr                               # binaryExpr
  | expr op=('<' | '<=' | '>' | '>=') expr                 # binaryExpr
  | expr op=('==' | '!=') expr                             # binaryExpr
  | op='not' expr                                          # unaryExpr
  | expr op='and' expr                                     # binaryExpr
  | expr op='or' expr                                      # binaryExpr
  ;

primary
  : literal                                                # literalPrimary
  | IDENT '(' argList? ')'                                 # callPrimary
  | IDENT                                                  # namePrimary
  | '(' expr ')'                                           # parenPrimary
  | '[' (expr (',' expr)* ','?)? ']'                       # listPrimary
  | '{' fieldInit (',' fieldInit)* ','? '}'                # recordPrimary
  | 'if' expr valueBlock 'else' (valueBlock | ifTail)      # ifPrimary
  | 'llm' modelRef '->' typeExpr '{' llmItem* '}'          # llmPrimary
  | 'map' IDENT 'in' expr valueBlock                       # mapPrimary
  | 'reduce' IDENT 'in' expr 'with' IDENT '=' expr valueBlock  # reducePrimary
  ;
ifTail : 'if' expr valueBlock 'else' (valueBlock | ifTail) ;

argList : arg (',' arg)* ','? ;
arg : (IDENT ':')? expr ;
fieldInit : name ':' expr ;

// llm fast -> Mood { system POLICY  user "Sentiment of: {query}"  temperature: 0 }
// llm auto -> Intent { ... }          (picks from the `default` ladder)
// llm auto(cheap) -> Intent { ... }   (picks from a named ladder)
modelRef : IDENT | 'auto' ('(' IDENT ')')? ;
llmItem
  : role=('system' | 'user') expr ','?                     # promptItem
  | name ':' expr ','?                                     # optionItem
  | name ','?                                              # flagItem
  ;

// Field names, option keys and enum members may reuse keywords (`type`, `model`, ...);
// names that expressions refer to may not.
name
  : IDENT | 'type' | 'model' | 'tool' | 'host' | 'http' | 'ladder' | 'const' | 'import'
  | 'enum' | 'auto' | 'with' | 'in' | 'map' | 'reduce' | 'return' | 'workflow' | 'llm'
  ;

literal
  : INT | FLOAT | DURATION | STRING | TRIPLE_STRING | RAW_STRING | 'true' | 'false'
  ;

// Entry point for one {expr} hole inside an interpolated string.
exprOnly : expr EOF ;

// ---------------------------------------------------------------------------
// Lexer

DURATION : DIGITS ('ms' | 's' | 'm' | 'h') ;
FLOAT    : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT      : DIGITS ;
fragment DIGITS   : [0-9] ('_'? [0-9])* ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

RAW_STRING    : 'r"""' .*? '"""' | 'r"' ~["\r\n]* '"' ;
TRIPLE_STRING : '"""' .*? '"""' ;
STRING        : '"' ( '\\' . | ~["\\\r\n] )* '"' | '\'' ( '\\' . | ~['\\\r\n] )* '\'' ;

IDENT : [a-zA-Z_] [a-zA-Z_0-9]* ;

LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS            : [ \t\r\n\u000C]+ -> skip ;

// Anything else becomes one token the parser rejects with a located diagnostic,
// instead of a lexer error without context.
UNKNOWN_CHAR : . ;
