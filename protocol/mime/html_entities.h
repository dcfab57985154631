// Named character references of HTML (HTML 4.01 §24 plus &apos;), for the
// HTML-to-text reduction SEARCH uses (html_text.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loft::proto::mime {

// The code point `name` (without '&' and ';', case-sensitive) stands for, or
// 0 when it is no HTML 4 entity name.
char32_t html_entity(std::string_view name);

// The code point of a reference's body between '&' and ';' ("eacute", "#233",
// "#xE9"), or 0 when it names none: an unknown name, or a number that is no
// Unicode scalar value (0, a surrogate, above U+10FFFF).
char32_t html_reference(std::string_view body);

// How many names html_entity knows (253: HTML 4's 252 and apos).
size_t html_entity_count();

}  // namespace loft::proto::mime
