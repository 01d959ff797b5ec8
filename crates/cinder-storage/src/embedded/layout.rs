//! A source table's physical columns, and appending events to it.

use std::collections::HashMap;
use std::sync::Arc;

use cinder_core::{Column, ColumnKind, LogEvent, Schema, ROOT_COLUMN};
use duckdb::types::{TimeUnit, ToSqlOutput, ValueRef};
use duckdb::{appender_params_from_iter, Connection, ToSql};
use serde_json::{Map, Value};

use crate::StorageError;

/// Quotes an identifier for DuckDB.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql_type(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::String => "VARCHAR",
        ColumnKind::Integer => "BIGINT",
        ColumnKind::Float => "DOUBLE",
        ColumnKind::Boolean | ColumnKind::Present => "BOOLEAN",
        ColumnKind::Timestamp => "TIMESTAMP",
        ColumnKind::Json => "JSON",
    }
}

/// The event document's column. Its compression is fixed to FSST, which DuckDB picks for it
/// anyway: left to choose, DuckDB's checkpoint first analyses every method (a dictionary among
/// them) over the row group's documents, all different. In a test with 600k edge logs that took
/// ~300 MB outside the engine's memory limit (~80 MB with FSST alone) and made the checkpoint
/// 15-20% slower. The choice is part of the table's definition, so tables created before it
/// keep choosing.
fn root_definition() -> String {
    format!("{} JSON USING COMPRESSION fsst", quote(ROOT_COLUMN))
}

/// Reads the physical columns of every source table.
pub(crate) fn load_layouts(connection: &Connection) -> Result<HashMap<String, TableLayout>, StorageError> {
    let mut statement = connection.prepare(
        "SELECT table_name, column_name FROM information_schema.columns
         WHERE table_name LIKE 'log_events_%' ORDER BY table_name, ordinal_position",
    )?;
    let mut rows = statement.query([])?;
    let mut tables: HashMap<String, TableLayout> = HashMap::new();
    while let Some(row) = rows.next()? {
        let table: String = row.get(0)?;
        let column: String = row.get(1)?;
        tables
            .entry(table.clone())
            .or_insert_with(|| TableLayout::empty(table))
            .push(column);
    }
    Ok(tables)
}

/// The physical columns of one table, in order, and how to place an event's values in them.
pub(crate) struct TableLayout {
    table: String,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// The schema version the cached tree was built for.
    tree: Option<(u64, Arc<Node>)>,
}

/// A trie of schema paths, so that an event's values are placed in one walk of the event.
#[derive(Default)]
struct Node {
    column: Option<(usize, ColumnKind)>,
    children: HashMap<String, Node>,
}

impl TableLayout {
    fn empty(table: String) -> Self {
        Self {
            table,
            columns: Vec::new(),
            index: HashMap::new(),
            tree: None,
        }
    }

    fn push(&mut self, column: String) {
        self.index.insert(column.clone(), self.columns.len());
        self.columns.push(column);
    }

    /// Creates the table with a column for every path of `schema`, and the document after the
    /// three columns every schema starts with.
    pub(crate) fn create(connection: &Connection, table: &str, schema: &Schema) -> Result<Self, StorageError> {
        let typed = |column: &Column| {
            let definition = format!("{} {}", quote(&column.path), sql_type(column.kind));
            (column.path.clone(), definition)
        };
        let (first, rest) = schema.columns().split_at(schema.columns().len().min(3));
        let physical: Vec<(String, String)> = first
            .iter()
            .map(typed)
            .chain(std::iter::once((ROOT_COLUMN.to_owned(), root_definition())))
            .chain(rest.iter().map(typed))
            .collect();
        let mut layout = Self::empty(table.to_owned());
        let mut definitions = Vec::with_capacity(physical.len());
        for (name, definition) in physical {
            layout.push(name);
            definitions.push(definition);
        }
        connection.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            quote(table),
            definitions.join(", ")
        ))?;
        Ok(layout)
    }

    /// Adds the columns of `schema` the table lacks.
    pub(crate) fn add_missing_columns(&mut self, connection: &Connection, schema: &Schema) -> Result<(), StorageError> {
        for column in schema.columns() {
            if !self.index.contains_key(&column.path) {
                connection.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    quote(&self.table),
                    quote(&column.path),
                    sql_type(column.kind)
                ))?;
                self.push(column.path.clone());
            }
        }
        Ok(())
    }

    fn tree(&mut self, schema: &Schema) -> Arc<Node> {
        if let Some((version, tree)) = &self.tree {
            if *version == schema.version() {
                return tree.clone();
            }
        }
        let mut root = Node::default();
        for column in schema.columns() {
            let Some(&position) = self.index.get(&column.path) else {
                continue;
            };
            let mut node = &mut root;
            for part in column.path.split('.') {
                node = node.children.entry(part.to_owned()).or_default();
            }
            node.column = Some((position, column.kind));
        }
        let tree = Arc::new(root);
        self.tree = Some((schema.version(), tree.clone()));
        tree
    }

    /// Appends events through DuckDB's appender, inside the caller's transaction.
    pub(crate) fn append(
        &mut self,
        connection: &Connection,
        schema: &Schema,
        events: &[Arc<LogEvent>],
    ) -> Result<(), StorageError> {
        let tree = self.tree(schema);
        let root_position = self.index[ROOT_COLUMN];
        let mut appender = connection.appender(&self.table)?;
        let mut cells: Vec<Cell> = Vec::with_capacity(self.columns.len());
        for event in events {
            cells.clear();
            cells.resize(self.columns.len(), Cell::Null);
            cells[0] = Cell::Text(&event.id);
            cells[1] = Cell::Timestamp(event.timestamp);
            cells[2] = event.event_message.as_deref().map_or(Cell::Null, Cell::Text);
            let json = serde_json::to_string(event.as_ref())
                .map_err(|error| StorageError::Internal(format!("cannot encode event: {error}")))?;
            cells[root_position] = Cell::Owned(json);
            place(&tree, &event.body, &mut cells);
            appender.append_row(appender_params_from_iter(cells.iter()))?;
        }
        appender.flush()?;
        Ok(())
    }
}

fn place<'a>(node: &Node, object: &'a Map<String, Value>, cells: &mut [Cell<'a>]) {
    for (key, value) in object {
        let Some(child) = node.children.get(key) else {
            continue;
        };
        if let Some((position, kind)) = child.column {
            cells[position] = Cell::from_value(kind, value);
        }
        if let Value::Object(inner) = value {
            place(child, inner, cells);
        }
    }
}

/// One value to append, borrowed from the event where possible.
#[derive(Clone)]
enum Cell<'a> {
    Null,
    Text(&'a str),
    Owned(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Timestamp(i64),
}

impl<'a> Cell<'a> {
    /// Converts a value for a column of `kind`. The schema guarantees the types agree; a value
    /// that does not fit anyway is stored as NULL here and stays in the root JSON.
    fn from_value(kind: ColumnKind, value: &'a Value) -> Self {
        match (kind, value) {
            (ColumnKind::String, Value::String(text)) => Cell::Text(text),
            (ColumnKind::Integer, Value::Number(number)) => number.as_i64().map_or(Cell::Null, Cell::Integer),
            (ColumnKind::Float, Value::Number(number)) => number.as_f64().map_or(Cell::Null, Cell::Float),
            (ColumnKind::Boolean, Value::Bool(flag)) => Cell::Boolean(*flag),
            (ColumnKind::Present, Value::Object(_)) => Cell::Boolean(true),
            (ColumnKind::Json, Value::Array(_)) => Cell::Owned(value.to_string()),
            _ => Cell::Null,
        }
    }
}

impl ToSql for Cell<'_> {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
            Cell::Owned(text) => ValueRef::Text(text.as_bytes()),
            Cell::Integer(value) => ValueRef::BigInt(*value),
            Cell::Float(value) => ValueRef::Double(*value),
            Cell::Boolean(value) => ValueRef::Boolean(*value),
            Cell::Timestamp(micros) => ValueRef::Timestamp(TimeUnit::Microsecond, *micros),
        }))
    }
}
