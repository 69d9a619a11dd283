// Never imports: internal/domain.
package sql
