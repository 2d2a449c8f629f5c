// Path reading by reflection: a walk that is at a message, at a repeated
// field of a message, or (finally) at a number.
#include "client/scenario/proto_path.h"

#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace heapd::scenario {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MessageFactory;
using ::google::protobuf::Reflection;

// The field called `name`, or its plural or singular (size_class finds
// size_classes).
const FieldDescriptor* FindField(const Descriptor* type,
                                 const std::string& name) {
  std::vector<std::string> candidates = {name, name + "s", name + "es"};
  if (absl::EndsWith(name, "es")) {
    candidates.push_back(name.substr(0, name.size() - 2));
  }
  if (absl::EndsWith(name, "s")) {
    candidates.push_back(name.substr(0, name.size() - 1));
  }
  for (const std::string& candidate : candidates) {
    if (const FieldDescriptor* field = type->FindFieldByName(candidate)) {
      return field;
    }
  }
  return nullptr;
}

std::string FieldNames(const Descriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) {
    names.push_back(type->field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

// The value of a numeric scalar field (element `index` if repeated).
absl::StatusOr<int64_t> Number(const Message& message,
                               const FieldDescriptor* field, int index,
                               const std::string& where) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return repeated ? reflection->GetRepeatedInt32(message, field, index)
                      : reflection->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return repeated ? reflection->GetRepeatedInt64(message, field, index)
                      : reflection->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? reflection->GetRepeatedUInt32(message, field, index)
                      : reflection->GetUInt32(message, field);
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t value =
          repeated ? reflection->GetRepeatedUInt64(message, field, index)
                   : reflection->GetUInt64(message, field);
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::numeric_limits<int64_t>::max();
      }
      return static_cast<int64_t>(value);
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection->GetRepeatedBool(message, field, index)
                       : reflection->GetBool(message, field))
                 ? 1
                 : 0;
    case FieldDescriptor::CPPTYPE_ENUM:
      return repeated ? reflection->GetRepeatedEnumValue(message, field, index)
                      : reflection->GetEnumValue(message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return static_cast<int64_t>(
          repeated ? reflection->GetRepeatedDouble(message, field, index)
                   : reflection->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return static_cast<int64_t>(
          repeated ? reflection->GetRepeatedFloat(message, field, index)
                   : reflection->GetFloat(message, field));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(where, " is text, not a number"));
  }
}

// The field that names an element of a repeated message field, if any.
const FieldDescriptor* KeyField(const Descriptor* type) {
  if (const FieldDescriptor* field = type->FindFieldByName("type");
      field != nullptr && field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return field;
  }
  for (const char* name : {"kind", "method", "code_name"}) {
    if (const FieldDescriptor* field = type->FindFieldByName(name);
        field != nullptr &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      return field;
    }
  }
  return nullptr;
}

// The key of one element, lowercase for enums.
std::string KeyOf(const Message& element, const FieldDescriptor* key) {
  const Reflection* reflection = element.GetReflection();
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return absl::AsciiStrToLower(reflection->GetEnum(element, key)->name());
  }
  return reflection->GetString(element, key);
}

}  // namespace

absl::StatusOr<int64_t> ReadNumberAtPath(const Message& root,
                                         absl::string_view root_name,
                                         const std::vector<PathStep>& path) {
  const Message* message = &root;
  // Set while the walk stands on a repeated field of `message`.
  const FieldDescriptor* repeated = nullptr;
  std::string where(root_name);
  for (size_t i = 0; i < path.size(); ++i) {
    const PathStep& step = path[i];
    const bool last = i + 1 == path.size();
    const Reflection* reflection = message->GetReflection();
    if (repeated != nullptr) {
      const int size = reflection->FieldSize(*message, repeated);
      if (step.index.has_value()) {
        if (*step.index < 0 || *step.index >= size) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, " has ", size, " entries; [", *step.index,
                           "] is out of range"));
        }
        const int index = static_cast<int>(*step.index);
        absl::StrAppend(&where, "[", index, "]");
        if (repeated->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          if (!last) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, " is a number; nothing can follow it"));
          }
          return Number(*message, repeated, index, where);
        }
        message = &reflection->GetRepeatedMessage(*message, repeated, index);
        repeated = nullptr;
        continue;
      }
      // A key step: choose the element by its key field.
      if (repeated->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          KeyField(repeated->message_type()) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " is a list of ", size,
                         " entries: choose one with [index]"));
      }
      const FieldDescriptor* key = KeyField(repeated->message_type());
      const std::string wanted = absl::AsciiStrToLower(step.name);
      const Message* found = nullptr;
      std::vector<std::string> keys;
      for (int e = 0; e < size && found == nullptr; ++e) {
        const Message& element =
            reflection->GetRepeatedMessage(*message, repeated, e);
        const std::string element_key = KeyOf(element, key);
        if (absl::AsciiStrToLower(element_key) == wanted) found = &element;
        keys.push_back(element_key);
      }
      if (found == nullptr) {
        // An enum key that names a real value reads as an empty element:
        // a type with no objects counts 0.
        const bool known_enum =
            key->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
            key->enum_type()->FindValueByName(
                absl::AsciiStrToUpper(step.name)) != nullptr;
        if (!known_enum) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, " has no entry ", step.name,
                           " (entries: ", absl::StrJoin(keys, ", "), ")"));
        }
        found = MessageFactory::generated_factory()->GetPrototype(
            repeated->message_type());
      }
      absl::StrAppend(&where, ".", step.name);
      message = found;
      repeated = nullptr;
      continue;
    }
    if (step.index.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " is not a list; [", *step.index, "] needs a repeated field"));
    }
    const FieldDescriptor* field =
        FindField(message->GetDescriptor(), step.name);
    if (field == nullptr && message == &root) {
      // A shortcut at the root: a field of one of its sub-messages.
      const Descriptor* type = root.GetDescriptor();
      for (int f = 0; f < type->field_count() && field == nullptr; ++f) {
        const FieldDescriptor* section = type->field(f);
        if (section->is_repeated() ||
            section->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          continue;
        }
        if (const FieldDescriptor* inner =
                FindField(section->message_type(), step.name)) {
          message = &reflection->GetMessage(root, section);
          absl::StrAppend(&where, ".", section->name());
          field = inner;
        }
      }
    }
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " has no field '", step.name,
          "' (fields: ", FieldNames(message->GetDescriptor()), ")"));
    }
    absl::StrAppend(&where, ".", field->name());
    if (field->is_repeated()) {
      repeated = field;
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      message = &message->GetReflection()->GetMessage(*message, field);
      continue;
    }
    if (!last) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " is a number; nothing can follow it"));
    }
    return Number(*message, field, -1, where);
  }
  if (repeated != nullptr) {
    return static_cast<int64_t>(
        message->GetReflection()->FieldSize(*message, repeated));
  }
  if (const FieldDescriptor* count =
          message->GetDescriptor()->FindFieldByName("count");
      count != nullptr && !count->is_repeated() &&
      count->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return Number(*message, count, -1, where + ".count");
  }
  return absl::InvalidArgumentError(
      absl::StrCat(where, " is a message; name one of its fields: ",
                   FieldNames(message->GetDescriptor())));
}

}  // namespace heapd::scenario
